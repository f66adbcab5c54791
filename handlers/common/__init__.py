"""Services several slices share: days and periods, parties in free text, pushes."""
