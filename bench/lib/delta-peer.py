"""The Delta bench's peer: delta-rs (Python deltalake) doing the same work as our export.

  delta-peer.py convert <folder>               convert_to_deltalake: lists the folder, reads every footer
  delta-peer.py append <folder> <file>...      loads the table and commits one add per new file, with
                                               stats from each new file's footer (create_write_transaction)
Prints the table's version and file count.

<folder> may be az://<container>/<path> on the emulator (AZURITE_BLOB_STORAGE_URL names it): delta-rs then
lists and reads the files there. `append` reads the new files' footers from the local copies in
DELTA_PEER_LOCAL (pyarrow here has no Azure file system); the commit and the table load go over HTTP.
"""
import json
import os
import sys

import pyarrow.parquet as pq
from deltalake import DeltaTable, convert_to_deltalake
from deltalake.transaction import AddAction

mode, folder = sys.argv[1], sys.argv[2]
remote = folder.startswith("az://")
storage = (
    {"azure_storage_use_emulator": "true", "azure_storage_account_name": "devstoreaccount1", "allow_http": "true"}
    if remote
    else None
)
local = os.environ["DELTA_PEER_LOCAL"] if remote else folder


def stats(path):
    meta = pq.read_metadata(path)
    mins, maxs, nulls = {}, {}, {}
    for c in range(meta.num_columns):
        name = meta.schema.column(c).name
        lo = hi = None
        n = 0
        for g in range(meta.num_row_groups):
            s = meta.row_group(g).column(c).statistics
            if s is None:
                continue
            n += s.null_count or 0
            if s.has_min_max:
                lo = s.min if lo is None else min(lo, s.min)
                hi = s.max if hi is None else max(hi, s.max)
        nulls[name] = n
        if isinstance(lo, (int, float, str)):
            mins[name], maxs[name] = lo, hi
    return json.dumps({"numRecords": meta.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls})


if mode == "convert":
    convert_to_deltalake(folder, storage_options=storage)
else:
    table = DeltaTable(folder, storage_options=storage)
    actions = []
    for name in sys.argv[3:]:
        path = os.path.join(local, name)
        info = os.stat(path)
        actions.append(AddAction(name, info.st_size, {}, int(info.st_mtime * 1000), True, stats(path)))
    table.create_write_transaction(actions, "append", table.schema())
table = DeltaTable(folder, storage_options=storage)
print(json.dumps({"version": table.version(), "files": len(table.file_uris())}))
sys.stdout.flush()
os._exit(0)  # delta-rs threads can abort at interpreter teardown under load
