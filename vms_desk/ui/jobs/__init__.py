"""The job dock: the job table model, its filter and view, and the bridge from engine events."""
