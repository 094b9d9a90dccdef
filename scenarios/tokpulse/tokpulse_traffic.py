"""What TokPulse traffic looks like, shared by this suite's locustfiles: service URLs, stores drawn with the
profile's Zipf popularity, topics and surfaces with its weights, headers (W3C trace, X-Request-ID, now and then an
X-Correlation-ID) and Shopify-shaped customers (PII the logs must not show).
"""

import itertools
import os
import random
import uuid

from harness.load.tracing import trace_headers

WEBHOOKS = os.environ.get("FIREDRILL_URL_TOKPULSE_WEBHOOKS", "")
WIDGETS = os.environ.get("FIREDRILL_URL_TOKPULSE_WIDGETS", "")
DASHBOARD = os.environ.get("FIREDRILL_URL_TOKPULSE_DASHBOARD", "")
PARTNER = os.environ.get("FIREDRILL_URL_TOKPULSE_PARTNER_APP", "")

STORES = [f"store_{i}" for i in range(1, 26)]
STORE_WEIGHTS = list(itertools.accumulate(1 / rank**1.1 for rank in range(1, len(STORES) + 1)))
TOPICS = ["orders/create", "orders/paid", "orders/updated", "products/update", "customers/update", "app/uninstalled"]
TOPIC_WEIGHTS = list(itertools.accumulate([40, 20, 15, 15, 8, 2]))
SURFACES = ["product_page", "cart_drawer", "collection_grid", "post_purchase"]
EVENTS = ["page_view", "product_view", "add_to_cart", "checkout_started", "order_placed"]
EXPERIMENTS = ["widget_layout_v2", "cta_copy", "free_shipping_bar"]
JOBS = ["sync_products", "sync_products", "theme_bootstrap", "compute_attribution", "send_digest"]
FIRST = ["Ada", "Grace", "Alan", "Katherine", "Edsger"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra"]


def store() -> str:
    return random.choices(STORES, cum_weights=STORE_WEIGHTS)[0]


def headers(store_id: str | None = None, **extra: str) -> dict[str, str]:
    found = trace_headers() | extra
    if store_id:
        found["X-Store-Id"] = store_id
    if random.random() < 0.3:
        found["X-Correlation-ID"] = f"corr_{uuid.uuid4().hex[:16]}"
    return found


def customer(n: int) -> dict:
    first, last = random.choice(FIRST), random.choice(LAST)
    return {"id": 6_000_000 + n, "email": f"{first.lower()}.{last.lower()}{n}@example.com", "first_name": first,
            "last_name": last, "phone": f"+1-555-01{n % 100:02d}"}  # fmt: skip
