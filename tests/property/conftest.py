"""Hypothesis settings for the property tests: few examples, no deadline (a database
round trip has no steady time), so the directory stays well under a minute per database.

`HYPOTHESIS_PROFILE=thorough` runs many more examples when hunting for a bug.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

_common = {
    # Failing examples are replayed first on the next run; kept in the ignored var/.
    "database": DirectoryBasedExampleDatabase(
        Path(__file__).resolve().parents[2] / "var" / "hypothesis"
    ),
    "deadline": None,
    # Fixtures (the unit tree, a campaign) are made once per test; every example rolls
    # its own writes back (tests.property.harness.rolled_back), so reusing them is safe.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
    "print_blob": True,
}
settings.register_profile("property", max_examples=25, **_common)
settings.register_profile("thorough", max_examples=400, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "property"))
