"""English: December 19, 2026, 23:00."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
