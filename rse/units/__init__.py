"""The organisation tree: ministry > directorate > sub-directorate > office or post abroad."""
