"""Configuration from environment variables (and a .env file)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import MAX_OVERFLOW, POOL_SIZE

DEFAULT_DB = "sqlite+aiosqlite:///./data/hoagiai.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_bot_username: str = ""
    telegram_read_timeout: float = 5.0  # seconds for the Bot API to answer a call (python-telegram-bot's default)
    database_url: str = DEFAULT_DB
    db_pool_size: int = Field(default=POOL_SIZE, ge=1)  # PostgreSQL connections a worker keeps open
    db_max_overflow: int = Field(default=MAX_OVERFLOW, ge=0)  # and opens beyond them in a burst
    timezone: str = "Asia/Ho_Chi_Minh"
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    leader_retry_seconds: float = 30.0  # several workers: how often a follower tries to take over the clock
    invite_days: int = 14
    # key of the parties' personal data (Fernet, url-safe base64 of 32 bytes); on the SQLite
    # default an empty value means a key file beside the store, created on first run
    data_key: SecretStr | None = None
    party_retention_years: int = 5
    log_level: str = "INFO"
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: SecretStr | None = None
    zalo_poll_timeout: int = 30
    zalo_send_rate: float = 10.0  # messages a second to Zalo (limits unpublished; 429 = quota)
    # Thông tư 56/2023/TT-BTC Điều 3 khoản 17 (đồng); a province may set its own levels
    thu_lao_vu_viec: int = 300_000
    thu_lao_thanh: int = 400_000
    ho_tro_to_thang: int = 150_000
    # reminders and pushes: see README's configuration table
    reminder_offsets: str = "3d,2h"
    quiet_hours: str = "21:00-07:00"
    stale_case_days: int = 30
    stale_digest: str = "mon 08:00"
    help_escalate_days: int = 5  # a help request unanswered this long at the commune goes to the province
    deadline_reminder_days: str = "7,2,0"
    dispatch_rate: float = 30.0
    dispatch_chat_interval: float = 1.0
    paid_broadcast: bool = False  # announcements with allow_paid_broadcast: up to 1,000/s, paid per message
    paid_broadcast_rate: float = 1000.0

    @property
    def telegram_token(self) -> str:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""

    @property
    def zalo_token(self) -> str:
        return self.zalo_bot_token.get_secret_value() if self.zalo_bot_token else ""

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = [
            self.telegram_bot_token,
            self.webhook_secret,
            self.zalo_bot_token,
            self.zalo_webhook_secret,
            self.data_key,
        ]
        return [v.get_secret_value() for v in values if v and v.get_secret_value()]
