"""The demo's shopping world: a seeded catalogue and shoppers whose order of actions matters.

    /usr/bin/python3 reference-models/demo/world.py        (seed 13; about 5 s)

Writes, under ``reference-models/src/main/resources/io/github/seqrec/demo/``:

* ``catalogue.csv``: ``item,name,category,category_name,kind,price_band`` - 2,000 named items in
  20 categories; ``kind`` is the product type inside a category (printer, ink, paper, pull-up bar,
  ...) and ``price_band`` 1 (cheap) .. 4 (premium).
* ``interactions.csv.gz``: ``user,item,timestamp,action,category`` sorted by user then time;
  action 1 = click, 2 = add-to-cart, 3 = purchase. The last row of each user is the held-out
  action of the leave-one-out split.
* ``negatives.csv.gz``: ``user,neg_1,...,neg_100`` - per user 100 items drawn (seed 13, without
  replacement) from the items the user never touched; ``seqrec eval --negatives`` and the PyTorch
  trainer read the same list, so their CTR metrics are computed on identical candidate sets.

How a history is made: every shopper has two or three long-term favourite categories. Their
history is a sequence of sessions over about eight weeks; a session has ONE intent (60 % one of
the favourites, else any category): it starts at a kind of the category and walks the category's
chain of kinds (printer -> ink -> paper; pull-up bar -> more pull-up bars -> fitness accessories;
shampoo -> conditioner -> hair mask), comparing two or three items of a kind (clicks), putting one
in the cart and often buying it. Inside a session the next item follows the intent and its
accessories, while pooling over the whole history points at the long-term favourites: a model
that reads order should beat one that pools.
"""
import csv
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "main", "resources", "io", "github", "seqrec", "demo")
SEED = 13
N_USERS = 2000
N_NEGATIVES = 100
START = 1_767_225_600  # 2026-01-01T00:00:00Z

# category -> kinds, in the order a session walks them (a kind may be revisited: compare more)
CATEGORIES = [
    ("books", ["novel", "cookbook", "travel guide", "biography", "bookmark"]),
    ("cleaning supplies", ["all-purpose cleaner", "microfibre cloth", "sponge", "floor mop", "glass cleaner"]),
    ("hair care", ["shampoo", "conditioner", "hair mask", "hair brush", "hair dryer"]),
    ("fitness equipment", ["pull-up bar", "dumbbell set", "kettlebell", "yoga mat", "jump rope"]),
    ("fitness accessories", ["grip gloves", "lifting chalk", "resistance band", "wrist wraps", "shaker bottle"]),
    ("electronics", ["printer", "laptop", "headphones", "e-reader", "smart speaker"]),
    ("electronics accessories", ["ink cartridge", "printer paper", "laptop sleeve", "usb-c cable", "screen protector"]),
    ("cat supplies", ["cat food", "cat litter", "scratching post", "cat toy", "cat bed"]),
    ("dog supplies", ["dog food", "dog leash", "chew toy", "dog bed", "dog shampoo"]),
    ("kitchen", ["frying pan", "chef knife", "cutting board", "kettle", "mixing bowl"]),
    ("coffee and tea", ["coffee machine", "coffee beans", "milk frother", "green tea", "descaler"]),
    ("toys", ["building blocks", "puzzle", "plush bear", "toy car", "board game"]),
    ("garden", ["garden hose", "pruning shears", "flower seeds", "plant pot", "fertiliser"]),
    ("office supplies", ["notebook", "ballpoint pen", "stapler", "desk lamp", "file folder"]),
    ("skin care", ["face cream", "sunscreen", "cleanser", "lip balm", "serum"]),
    ("outdoor", ["tent", "sleeping bag", "hiking boots", "headlamp", "water bottle"]),
    ("baby", ["diapers", "baby wipes", "baby bottle", "pacifier", "baby monitor"]),
    ("video games", ["console", "controller", "racing game", "puzzle game", "gaming headset"]),
    ("music", ["acoustic guitar", "guitar strings", "guitar tuner", "ukulele", "music stand"]),
    ("home decor", ["scented candle", "picture frame", "cushion", "wall clock", "vase"]),
]
# cross-category accessory steps: (category, kind) -> (category, kind) a session moves on to
ACCESSORIES = {
    ("electronics", "printer"): [("electronics accessories", "ink cartridge"),
                                 ("electronics accessories", "printer paper")],
    ("electronics", "laptop"): [("electronics accessories", "laptop sleeve"), ("electronics accessories", "usb-c cable")],
    ("fitness equipment", "pull-up bar"): [("fitness accessories", "grip gloves"),
                                           ("fitness accessories", "lifting chalk"),
                                           ("fitness accessories", "resistance band")],
    ("fitness equipment", "dumbbell set"): [("fitness accessories", "wrist wraps"),
                                            ("fitness accessories", "shaker bottle")],
    ("coffee and tea", "coffee machine"): [("coffee and tea", "coffee beans"), ("cleaning supplies", "all-purpose cleaner"),
                                           ("coffee and tea", "descaler")],
    ("music", "acoustic guitar"): [("music", "guitar strings"), ("music", "guitar tuner")],
    ("video games", "console"): [("video games", "controller"), ("video games", "racing game")],
    ("hair care", "shampoo"): [("hair care", "conditioner"), ("hair care", "hair mask")],
}
ADJECTIVES = ["Classic", "Pro", "Compact", "Deluxe", "Eco", "Ultra", "Essential", "Premium", "Smart", "Everyday",
              "Travel", "Studio", "Urban", "Nordic", "Sunny", "Blue", "Green", "Silver", "Midnight", "Fresh"]
BRANDS = ["Acme", "Northwind", "Bluebird", "Kestrel", "Oakridge", "Lumen", "Fjord", "Pebble", "Vireo", "Sol"]
ITEMS_PER_KIND = 20  # 20 categories x 5 kinds x 20 = 2,000 items


def catalogue(rng):
    """Items 1..2000 (id 0 is padding): one row per item."""
    items = []
    for c, (cat, kinds) in enumerate(CATEGORIES, start=1):
        for kind in kinds:
            names = set()
            for _ in range(ITEMS_PER_KIND):
                while True:
                    name = f"{rng.choice(BRANDS)} {rng.choice(ADJECTIVES)} {kind.title()}"
                    if name not in names:
                        names.add(name)
                        break
                items.append(dict(item=len(items) + 1, name=name, category=c, category_name=cat, kind=kind,
                                  price_band=rng.randint(1, 4)))
    # the example shopper's items must exist under these exact names (demo --history uses them)
    by_kind = {}
    for it in items:
        by_kind.setdefault((it["category_name"], it["kind"]), []).append(it)
    by_kind[("hair care", "shampoo")][0]["name"] = "Bluebird Blue Shampoo"
    by_kind[("hair care", "shampoo")][1]["name"] = "Fjord Blue Shampoo"
    return items, by_kind


def user_history(rng, by_kind, popularity):
    """One shopper's actions [(item, timestamp, action, category)], oldest first."""
    cats = [c for c, _ in CATEGORIES]
    favourites = rng.sample(cats, rng.choice([2, 3]))
    t = START + rng.randint(0, 14 * 86400)
    actions = []
    n_sessions = rng.randint(4, 12)
    for _ in range(n_sessions):
        cat = rng.choice(favourites) if rng.random() < 0.6 else rng.choice(cats)
        kinds = dict(CATEGORIES)[cat]
        # a session starts at one of the first kinds of the category and walks the chain onward
        k = rng.randrange(len(kinds))
        steps = [(cat, kinds[k])]
        nxt = ACCESSORIES.get((cat, kinds[k]))
        if nxt:
            steps += rng.sample(nxt, min(len(nxt), rng.randint(1, 2)))
        elif k + 1 < len(kinds) and rng.random() < 0.5:
            steps.append((cat, kinds[k + 1]))
        for step in steps:
            pool = by_kind[step]
            n_compare = rng.randint(1, 3)
            # popular items are compared more often (a Zipf-like weight per item)
            chosen = rng.choices(pool, weights=[popularity[it["item"]] for it in pool], k=n_compare)
            for it in chosen:
                actions.append((it["item"], t, 1, it["category"]))
                t += rng.randint(20, 240)
            pick = chosen[-1]
            r = rng.random()
            if r < 0.5:
                actions.append((pick["item"], t, 2, pick["category"]))
                t += rng.randint(20, 240)
                if rng.random() < 0.6:
                    actions.append((pick["item"], t, 3, pick["category"]))
                    t += rng.randint(20, 240)
        t += rng.randint(6 * 3600, 5 * 86400)
    return actions


def main():
    """``world.py [--users N] [--out DIR]``: the defaults write the shipped world; a larger N writes a
    log of the same world for throughput runs (``--users 30300`` gives about 10^6 interactions)."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=N_USERS)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    out = args.out
    n_users = args.users
    rng = random.Random(SEED)
    os.makedirs(out, exist_ok=True)
    items, by_kind = catalogue(rng)
    popularity = {it["item"]: 1.0 / (1 + (i % ITEMS_PER_KIND)) ** 0.8 for i, it in enumerate(items)}
    with open(os.path.join(out, "catalogue.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["item", "name", "category", "category_name", "kind", "price_band"])
        for it in items:
            w.writerow([it["item"], it["name"], it["category"], it["category_name"], it["kind"], it["price_band"]])
    n_rows = 0
    negatives = []
    all_items = [it["item"] for it in items]
    with gzip.GzipFile(os.path.join(out, "interactions.csv.gz"), "wb", compresslevel=9, mtime=0) as raw:
        lines = ["user,item,timestamp,action,category\n"]
        for u in range(1, n_users + 1):
            hist = user_history(rng, by_kind, popularity)
            while len(hist) < 3:
                hist += user_history(rng, by_kind, popularity)
            for item, ts, action, cate in hist:
                lines.append(f"{u},{item},{ts},{action},{cate}\n")
            n_rows += len(hist)
            seen = {h[0] for h in hist}
            negatives.append([u] + rng.sample([i for i in all_items if i not in seen], N_NEGATIVES))
        raw.write("".join(lines).encode("ascii"))
    with gzip.GzipFile(os.path.join(out, "negatives.csv.gz"), "wb", compresslevel=9, mtime=0) as raw:
        lines = ["user," + ",".join(f"neg_{i}" for i in range(1, N_NEGATIVES + 1)) + "\n"]
        lines += [",".join(map(str, row)) + "\n" for row in negatives]
        raw.write("".join(lines).encode("ascii"))
    print(f"wrote {len(items)} items, {n_users} users, {n_rows} interactions to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
