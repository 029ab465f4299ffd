#!/usr/bin/env bash
# Puts the four canonical MNIST .gz files in a folder and checks their MD5s. lenet5 reads the .gz files
# directly, so nothing is decompressed.
set -euo pipefail

readonly FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
# The canonical MD5s of the original files (http://yann.lecun.com/exdb/mnist/), in the order of FILES.
readonly MD5S=(f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432 9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c)
# Tried in order; LeCun's own site is last because it often refuses or throttles downloads.
readonly MIRRORS=(
  https://ossci-datasets.s3.amazonaws.com/mnist/
  https://storage.googleapis.com/cvdf-datasets/mnist/
  http://yann.lecun.com/exdb/mnist/
)

usage() {
  cat <<'EOF'
Usage: scripts/fetch-mnist.sh [--from DIR] [DEST]

Puts the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in DEST (default: data/mnist)
and verifies their canonical MD5 checksums.

  --from DIR  Copy the files from DIR instead of downloading; the network is not used.
              DIR must hold all four files with the right checksums.
  -h, --help  Show this help.

Without --from, when $LENET5_DATA names a folder holding all four files, the network is
not used either: with no DEST given, the files there are only verified (lenet5 reads
$LENET5_DATA directly, so no copy is needed); with a DEST, they are copied there as if
given with --from.

Otherwise each file is downloaded (curl, or wget when curl is missing) from the first of
these mirrors that answers:
  https://ossci-datasets.s3.amazonaws.com/mnist/
  https://storage.googleapis.com/cvdf-datasets/mnist/
  http://yann.lecun.com/exdb/mnist/
Files already in DEST with the right checksum are kept. A file with a wrong checksum is
deleted and the script exits with an error.
EOF
}

die() {
  echo "fetch-mnist: $*" >&2
  exit 1
}

md5_of() { md5sum "$1" | cut -d' ' -f1; }

has_right_md5() { [[ -f $1 && $(md5_of "$1") == "$2" ]]; }

has_all_files() {
  local file
  for file in "${FILES[@]}"; do [[ -f $1/$file ]] || return 1; done
}

# Renames `path`.part to `path` when it has the canonical checksum; otherwise deletes it and fails, so a
# bad or partial file never sits under the real name.
install_verified() {
  local path=$1 expected=$2 actual
  actual=$(md5_of "$path.part")
  if [[ $actual != "$expected" ]]; then
    rm -f -- "$path.part"
    die "$path: MD5 is $actual, expected $expected (the file was removed)"
  fi
  mv -f -- "$path.part" "$path"
}

# Downloads `url` to `out`, retrying transient failures; returns non-zero when this mirror cannot serve it.
download() {
  local url=$1 out=$2
  if command -v curl >/dev/null; then
    curl --fail --location --silent --show-error --retry 3 --retry-delay 2 --connect-timeout 20 \
      --output "$out" "$url"
  elif command -v wget >/dev/null; then
    wget --quiet --tries=3 --waitretry=2 --timeout=20 --output-document="$out" "$url"
  else
    die "neither curl nor wget is installed; install one, or use --from DIR"
  fi
}

copy_from() {
  local source=$1 dest=$2 i path
  has_all_files "$source" || die "$source: does not hold all of ${FILES[*]}"
  local same=false
  [[ $(realpath -- "$source") == "$(realpath -- "$dest")" ]] && same=true
  for i in "${!FILES[@]}"; do
    if $same; then
      path=$source/${FILES[i]}
      # Never delete the user's own source files: report a bad one instead.
      has_right_md5 "$path" "${MD5S[i]}" || die "$path: MD5 is $(md5_of "$path"), expected ${MD5S[i]}"
    else
      path=$dest/${FILES[i]}
      cp -- "$source/${FILES[i]}" "$path.part"
      install_verified "$path" "${MD5S[i]}"
    fi
    echo "ok  $path"
  done
}

fetch_all() {
  local dest=$1 i path mirror
  for i in "${!FILES[@]}"; do
    path=$dest/${FILES[i]}
    if has_right_md5 "$path" "${MD5S[i]}"; then
      echo "ok  $path (already present)"
      continue
    fi
    local fetched=false
    for mirror in "${MIRRORS[@]}"; do
      echo "get $mirror${FILES[i]}"
      if download "$mirror${FILES[i]}" "$path.part"; then
        fetched=true
        break
      fi
      echo "    failed; trying the next mirror" >&2
    done
    if ! $fetched; then
      rm -f -- "$path.part"
      die "could not download ${FILES[i]} from any mirror; copy the files by hand and use --from DIR"
    fi
    install_verified "$path" "${MD5S[i]}"
    echo "ok  $path"
  done
}

main() {
  local from="" dest=""
  while (($#)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --from)
        (($# >= 2)) || die "--from needs a folder"
        from=$2
        shift 2
        ;;
      -*) die "unknown option $1 (see --help)" ;;
      *)
        [[ -z $dest ]] || die "more than one DEST given (see --help)"
        dest=$1
        shift
        ;;
    esac
  done
  if [[ -z $from && -n ${LENET5_DATA:-} ]] && has_all_files "$LENET5_DATA"; then
    from=$LENET5_DATA
    dest=${dest:-$LENET5_DATA}
  fi
  dest=${dest:-data/mnist}
  mkdir -p -- "$dest"
  if [[ -n $from ]]; then
    copy_from "$from" "$dest"
  else
    fetch_all "$dest"
  fi
}

main "$@"
