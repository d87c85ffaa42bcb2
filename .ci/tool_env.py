"""The environment feedloom's checks and benchmarks run another tool in
(newsboat, the Python baseline): its own home and XDG folders under `home`,
a fixed UTF-8 locale, no terminal, and no proxy for the loopback servers
those tools are pointed at. Used by .ci/conformance.py and
benches/compare/compare.py."""

import os


def tool_env(home):
    home.mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    }
