"""Customer.io traffic mix: mostly track events, some identifies, transactional emails and delivery webhooks.

Every request starts a W3C trace (traceparent) and carries a request id; bodies carry PII the way real
payloads do, so the drill can check that none of it reaches the logs.
"""

import random

from locust import HttpUser, between, task

from harness.load.tracing import trace_headers

_EVENTS = ["delivered", "delivered", "delivered", "opened", "bounced"]


def _person(user_id: int) -> dict:
    return {
        "customerId": f"cus_{user_id}",
        "email": f"person{user_id}@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "phone": "+1-555-0100",
    }


class CustomerIoClient(HttpUser):
    wait_time = between(0.02, 0.06)

    @task(6)
    def track(self) -> None:
        uid = random.randint(1, 10_000)
        self.client.post("/v1/track", json={"userId": uid, "name": "order_placed", "data": {"total": 42}},
                         headers=trace_headers(), name="track")  # fmt: skip

    @task(2)
    def identify(self) -> None:
        uid = random.randint(1, 10_000)
        self.client.post("/v1/identify", json={"userId": uid, "traits": _person(uid)}, headers=trace_headers(),
                         name="identify")  # fmt: skip

    @task(2)
    def send_email(self) -> None:
        uid = random.randint(1, 10_000)
        self.client.post("/v1/send/email", json={"to": _person(uid), "template": "receipt"},
                         headers=trace_headers(), name="send_email")  # fmt: skip

    @task(2)
    def webhook(self) -> None:
        self.client.post("/v1/webhook", json={"event": random.choice(_EVENTS), "email": "person@example.com"},
                         headers=trace_headers(), name="webhook")  # fmt: skip
