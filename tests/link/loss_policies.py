"""What each loss policy gives a viewer, measured: an H.264 stream is cut
into access units and 1000-byte datagrams as the camera sends it (a time
datagram, then the pieces), datagrams are lost at random, and each policy
decides what reaches the decoder, as PreviewAssembler does:

- drop-until-keyframe: a damaged frame and every frame after it until the
  next whole keyframe are dropped (ipcamsrc's default);
- drop-damaged: only the damaged frames are dropped; the decoder sees a
  frame_num gap and decodes the rest against an older picture;
- pass-corrupted: damaged frames are passed with what arrived;
- drop-slices: a damaged frame keeps the slices none of whose bytes were
  lost (multi-slice pictures only; the decoder conceals the rest).

Every policy starts at the first whole keyframe (ipcamsrc does), so the
frames before it count neither as shown nor as frozen.

A lost data piece damages its frame; a lost time datagram merges the frame
into the one before (both damaged). The result of each policy is decoded
by ffmpeg (`-v warning`): frames handed to the decoder, pictures out of
it, ffmpeg's messages, and the freeze time (the sum of the gaps between
the frames handed on, beyond one frame interval).

    loss_policies.py STREAM.h264 [--loss 0.01 0.02 0.05] [--seeds 5] [--json FILE]

Prints one line per (loss, policy) and a markdown table.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

PIECE = 1000
FPS = 30


def nal_units(stream):
    starts = [m.start() for m in re.finditer(b"\x00\x00\x01", stream)]
    out = []
    for i, s in enumerate(starts):
        begin = s - 1 if s > 0 and stream[s - 1] == 0 else s
        end = starts[i + 1] if i + 1 < len(starts) else len(stream)
        if i + 1 < len(starts) and stream[end - 1] == 0:
            end -= 1
        out.append((begin, end, stream[s + 3] & 0x1F))
    return out


def access_units(stream):
    """[(bytes, keyframe, [(start, end) of each slice NAL])] split at AUDs."""
    aus, cur = [], []
    for nal in nal_units(stream):
        if nal[2] == 9 and cur:
            aus.append(cur)
            cur = []
        cur.append(nal)
    if cur:
        aus.append(cur)
    out = []
    for au in aus:
        base = au[0][0]
        data = stream[base:au[-1][1]]
        slices = [(b - base, e - base) for b, e, t in au if t in (1, 5)]
        out.append((data, any(t == 5 for _, _, t in au), slices))
    return out


def transmit(aus, loss, rng):
    """Per frame: lost byte ranges, and whether its time datagram was lost."""
    out = []
    for data, _, _ in aus:
        time_lost = rng.random() < loss
        holes = [(o, min(o + PIECE, len(data))) for o in range(0, len(data), PIECE) if rng.random() < loss]
        out.append((time_lost, holes))
    return out


def apply_policy(aus, fate, policy):
    """The access units the decoder gets, with their frame index."""
    damaged = [bool(h) for _, h in fate]
    merged = [t for t, _ in fate]
    for i, m in enumerate(merged):
        if m and i > 0:
            damaged[i - 1] = True  # the next frame's data ran into it
    out, waiting = [], False
    started = False  # every policy starts at a whole keyframe, as ipcamsrc does
    for i, (data, key, slices) in enumerate(aus):
        if not started:
            if not (key and not damaged[i] and not merged[i]):
                continue
            started = True
        if merged[i]:
            waiting = waiting or policy == "drop-until-keyframe"
            continue  # absorbed by the frame before
        if policy == "drop-until-keyframe":
            if damaged[i]:
                waiting = True
                continue
            if waiting and not key:
                continue
            waiting = False
            out.append((i, data))
        elif policy == "drop-damaged":
            if not damaged[i]:
                out.append((i, data))
        elif policy == "pass-corrupted":
            holes = fate[i][1]
            kept = bytearray()
            for o in range(0, len(data), PIECE):
                if (o, min(o + PIECE, len(data))) not in holes:
                    kept += data[o:o + PIECE]
            if i + 1 < len(aus) and merged[i + 1]:
                kept += aus[i + 1][0]
            if kept:
                out.append((i, bytes(kept)))
        elif policy == "drop-slices":
            if not damaged[i]:
                out.append((i, data))
                continue
            holes = fate[i][1]
            if i + 1 < len(aus) and merged[i + 1]:
                continue  # the boundary is gone: nothing tells the slices apart
            first = slices[0][0] if slices else len(data)
            kept = bytearray(data[:first]) if not any(s < first for s, _ in holes) else bytearray()
            whole = 0
            for s, e in slices:
                if not any(hs < e and he > s for hs, he in holes):
                    kept += data[s:e]
                    whole += 1
            if whole:
                out.append((i, bytes(kept)))
    return out


def decode(units, work):
    path = os.path.join(work, "in.h264")
    with open(path, "wb") as f:
        for _, d in units:
            f.write(d)
    r = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "warning", "-progress", "pipe:1", "-i", path,
                        "-f", "null", "-"], capture_output=True, text=True, errors="replace", timeout=300)
    messages = [line for line in r.stderr.splitlines() if line.strip()]
    # The decoder may hold back, silently, pictures that lean on one it never got.
    pictures = [int(line.split("=")[1]) for line in r.stdout.splitlines() if line.startswith("frame=")]
    return messages, (pictures[-1] if pictures else 0)


def freeze_s(indices, total):
    shown = sorted(indices)
    if not shown:
        return total / FPS
    gaps = [b - a - 1 for a, b in zip(shown, shown[1:])] + [total - 1 - shown[-1]]
    return sum(g for g in gaps if g > 0) / FPS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stream")
    ap.add_argument("--loss", type=float, nargs="+", default=[0.01, 0.02, 0.05])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--policies", nargs="+",
                    default=["drop-until-keyframe", "drop-damaged", "pass-corrupted", "drop-slices"])
    ap.add_argument("--json")
    a = ap.parse_args()
    with open(a.stream, "rb") as f:
        aus = access_units(f.read())
    multi = sum(len(s) for _, _, s in aus) / max(1, len(aus))
    print("%s: %d frames, %.1f slices and %.1f datagrams per frame" %
          (os.path.basename(a.stream), len(aus), multi,
           sum(len(d) // PIECE + 2 for d, _, _ in aus) / len(aus)))
    results = []
    with tempfile.TemporaryDirectory() as work:
        for loss in a.loss:
            for policy in a.policies:
                shown = msgs = watched = out_pictures = 0
                freeze = 0.0
                sample = []
                for seed in range(a.seeds):
                    rng = random.Random(seed * 1000 + int(loss * 1000))
                    units = apply_policy(aus, transmit(aus, loss, rng), policy)
                    m, pictures = decode(units, work)
                    shown += len(units)
                    out_pictures += pictures
                    watched += len(aus) - (units[0][0] if units else 0)
                    msgs += len(m)
                    freeze += freeze_s([i for i, _ in units], len(aus))
                    sample += m[:2]
                # Rates over the time watched: from the first keyframe on.
                row = {"loss": loss, "policy": policy, "fps": shown / max(1, watched) * FPS,
                       "pictures_fps": out_pictures / max(1, watched) * FPS,
                       "messages": msgs / a.seeds, "messages_per_10s": msgs / max(1, watched) * FPS * 10,
                       "freeze_s_per_10s": freeze / max(1, watched) * FPS * 10, "sample": sample[:3]}
                results.append(row)
                print("loss %4.1f %%  %-20s  %5.1f fps (%5.1f fps out of the decoder)  decoder messages %6.1f  freeze %5.2f s per 10 s  %s" %
                      (loss * 100, policy, row["fps"], row["pictures_fps"], row["messages"], row["freeze_s_per_10s"],
                       "; ".join(sample[:2])[:160]))
    print("\n| datagram loss | policy | frames to the decoder (of 30 fps) | pictures out of it | "
          "ffmpeg messages per 10 s | freeze per 10 s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print("| %.0f %% | %s | %.1f fps | %.1f fps | %.1f | %.2f s |" %
              (r["loss"] * 100, r["policy"], r["fps"], r["pictures_fps"], r["messages_per_10s"],
               r["freeze_s_per_10s"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
