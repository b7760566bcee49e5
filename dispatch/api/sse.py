"""Server-sent events framing: a stored event as the stream sends it (`id:`, `event:`, `data:`)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from ..store import StoredEvent

RETRY = "retry: 2000\n\n"
HEARTBEAT = ": heartbeat\n\n"


def frame(e: StoredEvent) -> str:
    return f"id: {e.seq}\nevent: {e.type}\ndata: {json.dumps(e.data, ensure_ascii=False)}\n\n"


class Frames:
    """Each event framed once however many follow it; the newest `keep` frames are kept, by sequence number."""

    def __init__(self, keep: int = 2048):
        self.keep = keep
        self.made: OrderedDict[int, str] = OrderedDict()
        self.lock = threading.Lock()

    def of(self, e: StoredEvent) -> str:
        with self.lock:
            found = self.made.get(e.seq)
        if found is None:
            found = frame(e)
            with self.lock:
                self.made[e.seq] = found
                while len(self.made) > self.keep:
                    self.made.popitem(last=False)
        return found
