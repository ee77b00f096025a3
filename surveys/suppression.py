"""Small-cell protection for unit managers, safe against subtraction (docs/metrics.md,
Privacy and small cells).

Hiding every subtree below 5 respondents is not enough: a town's distribution minus those
of its visible villages is the distribution of whatever is left — the town's own unit and
its hidden villages — and when that is one villager, their answers and their complaint
come back word for word. So for every subtree that is shown, what a reader can subtract
down to (its respondents outside every shown subtree below it) must be 0 or at least 5;
when it is 1–4, the shown subtree with the fewest respondents below it is hidden too,
until it is safe.

The rule is written for a parent and its children; this takes it one step further and
treats a hidden child's shown grandchildren as shown subtrees of the parent as well,
since a reader can subtract those too (city − towns − villages).

Pure functions on unit paths (treebeard's materialised paths), so the rule is tested on
its own and every surface — page, API, exports, free-text lists — asks the same one.
"""

from __future__ import annotations

from collections.abc import Mapping

from .scoring import MIN_RESPONDENTS_FOR_DETAIL


def shown_subtrees(
    *,
    own: Mapping[str, int],
    top: str,
    steplen: int,
    minimum: int = MIN_RESPONDENTS_FOR_DETAIL,
) -> set[str]:
    """Paths under (and including) `top` whose subtree distributions may be shown.

    `own` maps every unit path of the tree to the respondents of that unit itself (not
    of its children). Units under `top` missing from `own` count as 0.
    """
    paths = sorted(p for p in own if p.startswith(top))
    if top not in own:
        paths.insert(0, top)
    children: dict[str, list[str]] = {p: [] for p in paths}
    subtree = dict.fromkeys(paths, 0)
    for path in paths:
        if path != top:
            parent = path[:-steplen]
            children.setdefault(parent, []).append(path)
        count = own.get(path, 0)
        # Add to itself and every ancestor down to `top`.
        for end in range(len(path), len(top) - 1, -steplen):
            ancestor = path[:end]
            if ancestor in subtree:
                subtree[ancestor] += count

    shown = {p for p in paths if subtree[p] >= minimum}

    def frontier(path: str) -> list[str]:
        """The highest shown subtrees strictly below `path`."""
        found, stack = [], list(children.get(path, ()))
        while stack:
            node = stack.pop()
            if node in shown:
                found.append(node)
            else:
                stack.extend(children.get(node, ()))
        return found

    # Parents before children (a parent's path is a prefix of its children's), so hiding
    # below a shown subtree never changes what an ancestor already checked: an ancestor
    # subtracts its highest shown subtrees, and hiding inside one of them is invisible
    # from above.
    for path in paths:
        if path not in shown:
            continue
        while True:
            below = frontier(path)
            rest = subtree[path] - sum(subtree[p] for p in below)
            if rest == 0 or rest >= minimum:
                break
            # The smallest first; among equals the last by code order, so the result
            # does not depend on the order units were created in.
            smallest = min(below, key=lambda p: (subtree[p], _desc(p)))
            shown.discard(smallest)
    return shown


def _desc(path: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in path)
