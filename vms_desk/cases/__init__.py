"""Cases: the record an investigation's exports belong to (number, title, status, notes)."""
