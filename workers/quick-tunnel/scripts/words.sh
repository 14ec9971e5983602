#!/usr/bin/env bash
# Regenerates src/words.ts from Debian's wamerican list (apt-get install wamerican).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -E '^[a-z]{4,6}$' /usr/share/dict/american-english | grep -vE '^[ivxlcdm]+$' | awk 'NR%3==0' | head -4096 > /tmp/burrow-words.txt
{
  echo "// A 4,096-word list for quick-tunnel hostnames (four words: 2^48 names), taken from Debian's"
  echo "// wamerican word list (lowercase, 4–6 letters). Regenerate with workers/quick-tunnel/scripts/words.sh."
  echo 'export const WORDS: readonly string[] = ('
  fold -w 96 -s < <(tr '\n' ' ' < /tmp/burrow-words.txt | sed 's/ $//') | sed 's/.*/  "&"/' | sed '$!s/$/ +/'
  echo ').split(" ");'
} > src/words.ts
