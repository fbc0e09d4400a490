"""The coach's workspace: import reader comments, triage them, draft replies, review and approve them."""
