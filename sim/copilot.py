"""Copilot activity per (user, day): IDE/feature/language/model cells, CLI, agent, code review,
premium requests and AI credits. Pure functions of (seed, user, day)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sim.ids import rng, unit
from sim.world import User

CHAT_FEATURES = (
    "chat_panel_ask_mode",
    "chat_panel_edit_mode",
    "chat_panel_agent_mode",
    "chat_inline",
    "chat_panel_plan_mode",
)
MODELS = ("gpt-5.4", "claude-sonnet-4.6", "gemini-3-pro", "claude-opus-4.6", "auto")
BILLING_MODELS = {
    "gpt-5.4": "GPT-5.4",
    "claude-sonnet-4.6": "Claude Sonnet 4.6",
    "gemini-3-pro": "Gemini 3 Pro",
    "claude-opus-4.6": "Claude Opus 4.6",
    "auto": "GPT-5.4",
}
MULTIPLIERS = {
    "GPT-5.4": 1.0,
    "Claude Sonnet 4.6": 1.0,
    "Gemini 3 Pro": 1.0,
    "Claude Opus 4.6": 10.0,
}
PHASES = ((0, "No Cohort"), (1, "Phase 1"), (2, "Phase 2"), (3, "Phase 3"))
LATE_SHARES = (0.80, 0.92)
"""Share of user-days that reach the report on day+1 / day+2; the rest arrive on day+3."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One (ide, feature, language, model) slice of a user's day."""

    ide: str
    feature: str
    language: str
    model: str
    interactions: int
    generated: int
    accepted: int
    suggested_add: int
    suggested_delete: int
    added: int
    deleted: int


@dataclass(frozen=True, slots=True)
class Cli:
    """Copilot CLI use on a day."""

    sessions: int
    requests: int
    prompts: int
    prompt_tokens: int
    output_tokens: int
    version: str


@dataclass(frozen=True, slots=True)
class UserDay:
    """Everything a user did with Copilot on one day."""

    user: User
    day: dt.date
    cells: tuple[Cell, ...]
    cli: Cli | None
    used_coding_agent: bool
    review_active: bool | None
    review_passive: bool | None
    premium: tuple[tuple[str, float], ...]  # (billing model, premium requests)
    credits: tuple[tuple[str, float], ...]  # (billing model, AI credits)
    late: int  # 0, 1 or 2 extra days before it reaches the reports

    @property
    def used_chat(self) -> bool:
        """Any chat feature."""
        return any(c.feature.startswith("chat_") for c in self.cells)

    @property
    def used_agent(self) -> bool:
        """Agent mode in the IDE."""
        return any(c.feature in ("chat_panel_agent_mode", "agent_edit") for c in self.cells)

    @property
    def ai_credits_used(self) -> float:
        """Total AI credits."""
        return round(sum(v for _, v in self.credits), 1)


def phase_of(user: User) -> tuple[int, str]:
    """AI adoption phase from the user's propensity."""
    p = user.propensity
    return PHASES[0 if p <= 0 else 1 if p < 0.55 else 2 if p < 0.8 else 3]


class Copilot:
    """Generates and caches Copilot activity."""

    def __init__(self, seed: int, cache_size: int = 65536) -> None:
        self.seed = seed
        self.user_day = functools.lru_cache(maxsize=cache_size)(self._user_day)

    def active(self, user: User, day: dt.date) -> bool:
        """Whether the user used Copilot on the day (cheap: one hash)."""
        if user.seat_day is None or day < user.seat_day or user.propensity <= 0:
            return False
        factor = 0.15 if day.weekday() >= 5 else 1.0
        return unit(self.seed, "cact", user.id, day) < user.propensity * factor

    def late(self, user: User, day: dt.date) -> int:
        """How many extra days this user-day needs before it shows in the reports."""
        u = unit(self.seed, "late", user.id, day)
        return 0 if u < LATE_SHARES[0] else 1 if u < LATE_SHARES[1] else 2

    def reported(self, user: User, day: dt.date, today: dt.date) -> bool:
        """Active on `day` and already in the report as served on `today`."""
        age = (today - day).days
        return age >= 1 and self.active(user, day) and age >= 1 + self.late(user, day)

    def _user_day(self, user: User, day: dt.date) -> UserDay | None:
        if not self.active(user, day):
            return None
        r = rng(self.seed, "cday", user.id, day)
        ide = user.ide if r.random() < 0.9 else "vscode"
        cells: list[Cell] = []
        gen = r.randint(4, 80)
        acc = int(gen * r.uniform(0.15, 0.45))
        lang = r.choice(user.languages).lower() if user.languages else "unknown"
        cells.append(Cell(ide, "code_completion", lang, "", 0, gen, acc, gen * 3, 0, acc * 3, 0))
        for feature in r.sample(CHAT_FEATURES, r.randint(0, 3)):
            model = r.choice(MODELS)
            asks = r.randint(1, 14)
            g = asks * r.randint(1, 3)
            a = int(g * r.uniform(0.1, 0.6))
            cells.append(Cell(ide, feature, lang, model, asks, g, a, g * 6, g, a * 5, a))
            if feature == "chat_panel_agent_mode":
                cells.append(
                    Cell(
                        ide,
                        "agent_edit",
                        lang,
                        model,
                        0,
                        0,
                        0,
                        0,
                        0,
                        r.randint(10, 300),
                        r.randint(0, 90),
                    )
                )
        cli = None
        if unit(self.seed, "cliuser", user.id) < 0.3 and r.random() < 0.5:
            req = r.randint(2, 40)
            cli = Cli(r.randint(1, 4), req, max(1, req // 2), req * 900, req * 300, "1.0.8")
        return UserDay(
            user=user,
            day=day,
            cells=tuple(cells),
            cli=cli,
            used_coding_agent=r.random() < 0.06,
            review_active=True if r.random() < 0.1 else None,
            review_passive=True if r.random() < 0.15 else None,
            premium=self._premium(cells, cli),
            credits=self._credits(cells, r.random()),
            late=self.late(user, day),
        )

    @staticmethod
    def _premium(cells: list[Cell], cli: Cli | None) -> tuple[tuple[str, float], ...]:
        out: dict[str, float] = {}
        for c in cells:
            if c.interactions and c.model:
                name = BILLING_MODELS[c.model]
                out[name] = out.get(name, 0.0) + c.interactions * MULTIPLIERS[name]
        if cli is not None:
            out["Claude Sonnet 4.6"] = out.get("Claude Sonnet 4.6", 0.0) + cli.prompts
        return tuple(sorted(out.items()))

    @staticmethod
    def _credits(cells: list[Cell], noise: float) -> tuple[tuple[str, float], ...]:
        out: dict[str, float] = {}
        for c in cells:
            if c.interactions and c.model:
                name = BILLING_MODELS[c.model]
                out[name] = round(out.get(name, 0.0) + c.interactions * (2.5 + 10 * noise), 1)
        return tuple(sorted(out.items()))
