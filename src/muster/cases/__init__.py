"""Claims and appeals: filed, verified automatically where the registry proves them, else
decided by boards within the decree's deadline; pending claims stop the clock."""
