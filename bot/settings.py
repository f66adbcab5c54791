"""Configuration from environment variables (and a .env file)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite+aiosqlite:///./data/hoagiai.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_bot_username: str = ""
    database_url: str = DEFAULT_DB
    timezone: str = "Asia/Ho_Chi_Minh"
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    invite_days: int = 14
    log_level: str = "INFO"

    @property
    def telegram_token(self) -> str:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = [self.telegram_bot_token, self.webhook_secret]
        return [v.get_secret_value() for v in values if v and v.get_secret_value()]
