"""The stored-photo pipeline shared by offender profiles and incidents: checking and re-encoding
uploads, thumbnails, serving and deleting stored files. Imports no domain app."""
