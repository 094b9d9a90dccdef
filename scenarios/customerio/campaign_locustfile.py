"""A campaign blast: transactional email sends dominate, as when a marketing campaign goes out."""

import random

from locust import HttpUser, between, task

from harness.load.tracing import trace_headers


class CampaignBlast(HttpUser):
    wait_time = between(0.01, 0.03)

    @task(8)
    def send_email(self) -> None:
        uid = random.randint(1, 10_000)
        self.client.post("/v1/send/email", json={"to": {"email": f"p{uid}@example.com"}, "template": "promo"},
                         headers=trace_headers(), name="send_email")  # fmt: skip

    @task(1)
    def track(self) -> None:
        self.client.post("/v1/track", json={"userId": random.randint(1, 10_000), "name": "campaign_open"},
                         headers=trace_headers(), name="track")  # fmt: skip
