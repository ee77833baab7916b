# French pages and mails: 23/11/2026, 23/11/2026 14:05.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # lundi
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-11-23: <input type="date">, first so that date inputs render it
    "%d/%m/%Y",  # 23/11/2026
    "%d/%m/%y",  # 23/11/26
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # <input type="datetime-local">
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
