"""TokPulse traffic: Shopify webhooks, storefront widgets and their vitals beacons, storefront events, experiment
assignments, merchants on the dashboard and the partner app starting jobs.

Locust's host is the API; every other service's URL comes from FIREDRILL_URL_<SERVICE>. Every request starts a
W3C trace and carries X-Request-ID (some an X-Correlation-ID); stores are drawn with the profile's Zipf
popularity; bodies carry PII the way real payloads do (Shopify's customer fields, storefront session and
customer ids, the partner app's tokens), so `logs: no_pii` proves the redaction.
"""

import math
import random
import uuid

from locust import HttpUser, between, task
from tokpulse_traffic import (
    DASHBOARD,
    EVENTS,
    EXPERIMENTS,
    JOBS,
    PARTNER,
    SURFACES,
    TOPIC_WEIGHTS,
    TOPICS,
    WEBHOOKS,
    WIDGETS,
    customer,
    headers,
    store,
)


class Storefronts(HttpUser):
    wait_time = between(0.05, 0.15)

    @task(15)
    def webhook(self) -> None:
        shop, n = store(), random.randint(1, 99_999)
        topic = random.choices(TOPICS, cum_weights=TOPIC_WEIGHTS)[0]
        order = {"id": 820_982_911_000 + n, "name": f"#{1000 + n}", "email": f"buyer{n}@example.com",
                 "total_price": f"{random.uniform(10, 300):.2f}", "currency": "USD", "customer": customer(n),
                 "line_items": [{"sku": f"SKU-{n % 50}", "quantity": random.randint(1, 3)}]}  # fmt: skip
        self.client.post(f"{WEBHOOKS}/webhooks", json=order, name="webhook",
                         headers=headers(shop, **{"X-Shopify-Topic": topic}))  # fmt: skip

    @task(12)
    def render(self) -> None:
        surface = random.choice(SURFACES)
        self.client.get(f"{WIDGETS}/apps/tokpulse/widgets/{surface}", name="render", headers=headers(store()))

    @task(4)
    def vitals(self) -> None:
        lcp = random.lognormvariate(math.log(1800), 0.35)
        body = {"surface": random.choice(SURFACES), "lcpMs": round(lcp), "storeId": store(),
                "sessionId": f"sess_{uuid.uuid4().hex[:12]}"}  # fmt: skip
        self.client.post(f"{WIDGETS}/apps/tokpulse/vitals", json=body, name="vitals", headers=headers())

    @task(10)
    def track(self) -> None:
        n = random.randint(1, 99_999)
        # Old SDKs and bots send an event type the API does not know: it answers 400, as a healthy API does. One in
        # ten, not one in fifty: at 2% a 24 s phase held about one 400, and api-health's 4xx panel once had no data.
        event = random.choice(EVENTS) if random.random() > 0.1 else "pageView"
        body = {"storeId": store(), "eventType": event, "sessionId": f"sess_{uuid.uuid4().hex[:12]}",
                "customerId": f"cus_{n}", "email": f"shopper{n}@example.com",
                "properties": {"productId": f"gid://shopify/Product/{n}"}}  # fmt: skip
        self.client.post("/api/v1/events", json=body, name="track", headers=headers())

    @task(4)
    def assign(self) -> None:
        body = {"storeId": store(), "experiment": random.choice(EXPERIMENTS),
                "sessionId": f"sess_{uuid.uuid4().hex[:12]}"}  # fmt: skip
        self.client.post("/api/v1/experiments/assign", json=body, name="assign", headers=headers())

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"{DASHBOARD}/dashboard/stores/{store()}", name="dashboard", headers=headers())

    @task(6)
    def start_job(self) -> None:
        body = {"storeId": store(), "jobType": random.choice(JOBS), "accessToken": f"shpat_{uuid.uuid4().hex}",
                "refreshToken": f"shprt_{uuid.uuid4().hex}"}  # fmt: skip
        self.client.post(f"{PARTNER}/app/jobs", json=body, name="start_job", headers=headers())
