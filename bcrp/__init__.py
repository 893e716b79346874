"""The ground floor: the User, the audit trail, crypto, the queue, shared form pieces."""
