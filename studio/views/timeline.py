"""Timeline: which version of the ruleset is live and which are scheduled to go live
when, when each strategy is in force (a Gantt with today, the peak season and the
scheduled go-lives marked), and which strategy an order placed at a chosen moment,
channel and delivery method would go to."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import dsl
import engine
from dsl.schema import DELIVERY_METHODS
from engine import in_force
from engine.windows import zone
from studio import formats, schedule
from studio.components import publishing, shipped_examples
from studio.components.diagnostics_panel import data_fields
from studio.components.gantt import timeline_figure
from studio.components.ruleset_choice import pick_ruleset, store
from studio.components.widget_memory import field, remember

CHANNELS = ("web", "marketplace", "store", "b2b")
ANY_CHANNEL = "any channel"
ANY_DELIVERY = "any delivery method"


def render() -> None:
    st.title("Timeline")
    shipped_examples.seed_once()
    choice = pick_ruleset(
        "timeline.ruleset",
        help="The text open on the Rules page, a stored version or a shipped example.",
    )
    ruleset, policy, error = compiled(choice.text, choice.filename, data_fields())
    if ruleset is None:
        st.error("This text does not parse; fix it on the Rules page first.")
        st.code(error or "", language=None)
        return
    tz = zone(ruleset.timezone)
    now = dt.datetime.now(tz).replace(tzinfo=None)
    st.caption(
        f"Times are in the ruleset's time zone, {zone_name(ruleset)}. "
        "Strategies are listed in the order they are tried (priority, then file order)."
    )

    mentioned = schedule.years_mentioned(ruleset) or [now.year]
    years = list(range(min(*mentioned, now.year) - 1, max(*mentioned, now.year) + 2))
    default = (min(mentioned), max(mentioned))
    key = field("timeline.years", default)
    kept = _year_pair(st.session_state[key])
    st.session_state[key] = kept if set(kept) <= set(years) else default
    first, last = _year_pair(
        st.slider("Years shown", min_value=years[0], max_value=years[-1], step=1, key=key)
    )
    span = schedule.year_span(first, last)
    figure = timeline_figure(
        schedule.bars(ruleset, first, last),
        span,
        now,
        schedule.peak_windows(ruleset, first, last),
    )
    go_lives = _versions(choice.name, ruleset.timezone or "UTC")
    for version in go_lives:
        _mark_go_live(figure, version, tz, span)
    st.plotly_chart(figure, key="timeline.gantt", width="stretch")

    st.subheader("What is in force on a date", anchor=False)
    if policy is None:
        st.error("The ruleset has errors, so the router cannot use it; fix them first.")
        st.code(error or "", language=None)
        remember()
        return
    _in_force(policy, ruleset, now)
    remember()


def _in_force(policy: engine.Policy, ruleset: dsl.Ruleset, now: dt.datetime) -> None:
    left, middle, right, far = st.columns(4)
    day = left.date_input("Date", key=field("timeline.day", now.date()), format=formats.DATE_INPUT)
    minute = middle.time_input(
        "Time", key=field("timeline.time", dt.time(12, 0)), step=dt.timedelta(minutes=15)
    )
    channels = [ANY_CHANNEL, *in_force.channels(ruleset, CHANNELS)]
    channel = right.selectbox("Channel", channels, key=field("timeline.channel", "web"))
    delivery = far.selectbox(
        "Delivery", [ANY_DELIVERY, *DELIVERY_METHODS], key=field("timeline.delivery", "home")
    )
    answer = in_force.outlook(
        policy,
        day,
        minute,
        None if channel == ANY_CHANNEL else channel,
        None if delivery == ANY_DELIVERY else delivery,
    )
    when = f"{formats.date_time(answer.instant, zone_name(ruleset))} ({zone_name(ruleset)})"
    if answer.chosen is not None:
        chain = " → ".join(f"`{step}`" for step in answer.chain)
        st.success(
            f"An order placed {when} goes to **{answer.chosen.label}** (`{answer.chosen.id}`)"
            + (f"; what it cannot fill follows {chain}." if len(answer.chain) > 1 else "."),
            icon=":material/alt_route:",
        )
    else:
        st.warning(
            f"No strategy is sure to take an order placed {when}: orders that meet none of "
            "the conditions below are unroutable.",
            icon=":material/warning:",
        )
    if answer.contenders:
        lines = "\n".join(
            f"- **{row.label}** (`{row.id}`) when {row.depends_on}" for row in answer.contenders
        )
        st.info("Tried first, and chosen for some orders:\n" + lines, icon=":material/call_split:")
    rows = [
        {
            "strategy": row.id,
            "label": row.label,
            "priority": row.priority,
            "effective": row.effective,
            f"in force at {minute.strftime('%H:%M')}": "yes" if row.in_force_now else "no",
            "applies": _applies(row),
            "when": row.when,
        }
        for row in answer.strategies
    ]
    st.markdown(f"**Strategies in force on {formats.date(day)}** ({len(rows)})")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="timeline.in_force")


def _versions(name: str | None, timezone: str) -> list:
    """The live version of the ruleset and those scheduled to replace it, said above the
    chart; returns the scheduled ones (marked on the chart at their go-live instant)."""
    found = store()
    if name is None or found is None:
        return []
    summary = next((s for s in found.list_rulesets() if s.name == name), None)
    if summary is None:
        return []
    lines = []
    if summary.live is not None:
        live = found.version(name, summary.live)
        lines.append(
            f"**Live now: {live.label}**, since {publishing.local(live.published_at, timezone)}"
        )
    else:
        lines.append(f"**No version of {name} is live now.**")
    lines += [
        f"**Scheduled: {v.label}** goes live on {publishing.local(v.published_at, timezone)} "
        f"(approved by {v.reviewed_by})"
        for v in summary.scheduled
    ]
    st.markdown("  \n".join(lines))
    return list(summary.scheduled)


def _mark_go_live(figure, version, tz, span) -> None:
    """A dashed line at the instant a scheduled version goes live."""
    at = version.published_at.astimezone(tz).replace(tzinfo=None)
    if not span[0] <= at <= span[1]:
        return
    figure.add_shape(
        type="line", x0=at, x1=at, y0=0, y1=1, yref="paper",
        line={"color": "#2c3e50", "width": 2, "dash": "dash"}, name=f"v{version.number} live",
    )  # fmt: skip
    figure.add_annotation(
        x=at, y=1, yref="paper", text=f"v{version.number} goes live", showarrow=False,
        yanchor="bottom",
    )  # fmt: skip


def zone_name(ruleset: dsl.Ruleset) -> str:
    """The ruleset's time zone as it reads it (UTC when it states none)."""
    return ruleset.timezone or "UTC"


def _year_pair(value) -> tuple[int, int]:
    """The slider's (first, last) years; one year when both handles meet."""
    if isinstance(value, tuple | list):
        return int(value[0]), int(value[-1])
    return int(value), int(value)


def _applies(row: in_force.StrategyOutlook) -> str:
    if row.applies is None:
        return f"depends on {row.depends_on}"
    return "yes" if row.applies else "no"


@st.cache_resource(show_spinner=False, max_entries=32)
def compiled(text: str, filename: str, extra: tuple[str, ...]):
    """(tree, policy, rendered errors): the policy is None when the ruleset has errors."""
    try:
        ruleset = dsl.parse(text, filename)
    except dsl.RulesetSyntaxError as error:
        return None, None, str(error)
    try:
        policy = engine.policy_of(ruleset, filename=filename, source=text, extra_fields=extra)
        return ruleset, policy, None
    except engine.CompileError as error:
        return ruleset, None, str(error)


if __name__ == "__main__":
    render()
