"""Stand-in for Modalities' IndexGenerator (the reference's algorithm, restated here):
read the file as bytes, split on b'\n', json.loads every line, pickle the (offset, length)
list with protocol 4. Used only to time the reference in the same run as instill."""
import json
import pickle
import sys


def main(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    index = []
    offset = 0
    lines = data.split(b"\n")
    if lines and lines[-1] == b"" and data.endswith(b"\n"):
        lines.pop()
    for line in lines:
        json.loads(line)
        index.append((offset, len(line)))
        offset += len(line) + 1
    with open(dst, "wb") as f:
        f.write(pickle.dumps(index, protocol=4))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
