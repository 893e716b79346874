"""Partnerships (the tenants), their businesses, premises and people."""
