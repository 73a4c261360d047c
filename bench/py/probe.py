"""probe.py -- which optional modules this interpreter has."""
import json
import platform

info = {'python': platform.python_version()}
for name in ('numpy', 'torch'):
    try:
        mod = __import__(name)
        info[name] = getattr(mod, '__version__', 'unknown')
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        info[name] = None
print(json.dumps(info))
