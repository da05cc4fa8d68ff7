"""ID numbers, encryption, blind indexes, masking and sealing."""
