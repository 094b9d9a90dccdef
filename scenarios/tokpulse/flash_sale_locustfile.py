"""A flash sale: orders/create webhooks and product syncs flood in (with the usual storefront traffic beside).

Queue depths are counts, so a queue drill needs the real inflow a sale brings: compression shortens windows, not
the seconds a queue takes to fill. Same headers and payload shapes as locustfile.py.
"""

import random
import uuid

from locust import HttpUser, between, task
from tokpulse_traffic import PARTNER, SURFACES, WEBHOOKS, WIDGETS, customer, headers, store

SALE_TOPICS = ["orders/create", "orders/create", "orders/create", "orders/paid", "products/update"]


class FlashSale(HttpUser):
    wait_time = between(0.03, 0.08)

    @task(10)
    def webhook(self) -> None:
        n = random.randint(1, 99_999)
        order = {"id": 820_982_911_000 + n, "name": f"#{1000 + n}", "email": f"buyer{n}@example.com",
                 "total_price": f"{random.uniform(10, 300):.2f}", "customer": customer(n)}  # fmt: skip
        self.client.post(f"{WEBHOOKS}/webhooks", json=order, name="webhook",
                         headers=headers(store(), **{"X-Shopify-Topic": random.choice(SALE_TOPICS)}))  # fmt: skip

    @task(4)
    def sync_products(self) -> None:
        body = {"storeId": store(), "jobType": "sync_products", "accessToken": f"shpat_{uuid.uuid4().hex}"}
        self.client.post(f"{PARTNER}/app/jobs", json=body, name="start_job", headers=headers())

    @task(3)
    def render(self) -> None:
        surface = random.choice(SURFACES)
        self.client.get(f"{WIDGETS}/apps/tokpulse/widgets/{surface}", name="render", headers=headers(store()))
