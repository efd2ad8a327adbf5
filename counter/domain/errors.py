"""The base of every error that carries a message for the clerk (in Vietnamese)."""


class CounterError(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message
