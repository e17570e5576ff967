"""Test support shared by tests/ and bench/; not part of the product (the wheel does not ship it).

- `fakes`: fake GitHub event logs (`LogBuilder`, `scenario`) with bodies shaped like GitHub's;
- `archive`: a fake log written through the real archive writer;
- `clocks`: a virtual clock that moves only when something sleeps or the test moves it;
- `simconfig`: a config.toml for every enterprise a running simulator serves;
- `simclient`: a tiny urllib client for the simulator (`fetch`, `fetch_all`).
"""
