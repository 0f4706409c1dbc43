#!/usr/bin/env bash
# Rebuilds models/default (see models/default/README.md): the benchmark world + real game music from
# Debian's packages, through `earshot-train model` like any user's data. Usage, from the repo root:
#   scripts/default-model/build.sh WORK [OUT]      (WORK: ~10 GB of downloads and intermediate files;
#                                                   OUT: the bundle, default models/default)
# Steps already done in WORK are skipped, so a stopped run resumes.
set -euo pipefail
WORK=${1:?usage: scripts/default-model/build.sh WORK [OUT]}
OUT=${2:-models/default}
TRAIN="node dist/trainer/cli.js"
mkdir -p "$WORK"

# 1. The game-music packages at the versions listed in trainer/sources/game-music-packages.ts.
if [ ! -f "$WORK/packages/.done" ]; then
  mkdir -p "$WORK/debs" "$WORK/packages"
  node -e 'for (const p of require("./dist/trainer/sources/game-music-packages").GAME_MUSIC_PACKAGES) console.log(p.name + "=" + p.version)' |
  while read -r spec; do
    pkg=${spec%%=*}
    (cd "$WORK/debs" && ls "${pkg}"_*.deb > /dev/null 2>&1 || apt-get download "$spec")
    mkdir -p "$WORK/packages/$pkg" && dpkg -x "$WORK"/debs/"${pkg}"_*.deb "$WORK/packages/$pkg"
    cp "$WORK/packages/$pkg/usr/share/doc/$pkg/copyright" "$WORK/packages/$pkg.copyright" 2>/dev/null || true
  done
  touch "$WORK/packages/.done"
fi

# 2. 30-s clips, human labels and the held-out split; 3. listeners simulated from those labels.
[ -f "$WORK/real/songs.tsv" ] || $TRAIN game-music --packages "$WORK/packages" --out "$WORK/real" --seed 1
[ -f "$WORK/real/plays.tsv" ] || $TRAIN listeners --songs "$WORK/real/songs.tsv" --users 3000 --seed 1 --out "$WORK/real/plays.tsv"

# 4. A benchmark world of 500 synthesised songs and 5,000 listeners: small enough that the real music is
#    a fifth of what the CNN learns from (beside the 2,000-song world it was 6 %, and the model did not
#    learn to tell real recordings apart: models/default/README.md).
[ -f "$WORK/world/plays.tsv" ] || $TRAIN world --songs 500 --users 5000 --seed 1 --out "$WORK/world"

# 5. One catalogue: both play files, both audio folders (linked), one songs file with tags
#    (the world's style and moods; the game music's own genre tags).
mkdir -p "$WORK/all/audio"
ln -sfn "$(cd "$WORK/world/audio" && pwd)" "$WORK/all/audio/world"
ln -sfn "$(cd "$WORK/real/audio" && pwd)" "$WORK/all/audio/real"
cat "$WORK/world/plays.tsv" "$WORK/real/plays.tsv" > "$WORK/all/plays.tsv"
{
  printf 'id\tpath\tartist\ttitle\ttags\n'
  awk -F'\t' 'NR > 1 { printf "%s\tworld/%s.wav\t%s\t%s\t%s,%s\n", $1, $1, $2, $3, $4, $9 }' "$WORK/world/songs.tsv"
  # A track without a composer tag is shown as its soundtrack's ("supertuxkart soundtrack – Lava").
  awk -F'\t' 'NR > 1 { sub(/^audio\//, "real/", $2); printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, ($3 != "" ? $3 : $6 " soundtrack"), $4, $5 }' "$WORK/real/songs.tsv"
} > "$WORK/all/songs.tsv"

# 6. The bundle.
$TRAIN model --plays "$WORK/all/plays.tsv" --audio "$WORK/all/audio" --songs "$WORK/all/songs.tsv" \
  --out "$OUT" --work "$WORK/model-work" --cnn compact --cnn-epochs 60 --windows-per-clip 16 --patience 10 --seed 1
