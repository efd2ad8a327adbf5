"""The base of every error that carries a message for the clerk (in Vietnamese)."""


class CounterError(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


def unreadable(exc: OSError, path: object, what: str = "tệp") -> str:
    """Why a file someone named cannot be read, for the clerk: missing, a folder, not theirs to read, or else the
    system's reason. `what` names the file's kind ("tệp danh mục", "tệp cấu hình")."""
    if isinstance(exc, FileNotFoundError):
        return f"Không tìm thấy {what} “{path}”."
    if isinstance(exc, IsADirectoryError):
        return f"“{path}” là một thư mục, không phải {what}."
    if isinstance(exc, PermissionError):
        return f"Không có quyền đọc {what} “{path}”."
    return f"Không đọc được {what} “{path}”: {exc.strerror or exc}."
