"""client-escalation-calls traffic: the web app's API calls, plus two paced streams a drill can count on.

- ``CollectionsApi`` (every user but two): campaigns, customer contacts by email/phone/SMS, payments and agent
  replies, about 8 requests a second per user. Bodies carry the PII real payloads do (names, phone numbers,
  emails, the client's address in X-Forwarded-For), so ``logs: no_pii`` proves the logs keep it out.
- ``ReconciliationJob`` (one user): the payment reconciliation job, once every 4 s of wall time. A drill that
  makes it deadlock for one 4 s window gets exactly one deadlock.
- ``SmsReplies`` (one user): a customer's reply to a text, once every 50 s. A drill that turns replies into STOPs
  gets one opt-out per 50 s: 72 an hour, whatever the compression.

Every request starts a W3C trace and carries a request id.
"""

import random

from locust import HttpUser, between, constant_pacing, task

from harness.load.tracing import trace_headers

_CHANNELS = ["email", "email", "phone", "sms"]
_CLIENTS = ["198.51.100.14", "198.51.100.23", "198.51.100.57", "203.0.113.42", "192.0.2.81"]
_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth"]


def _headers() -> dict[str, str]:
    return {**trace_headers(), "X-Forwarded-For": random.choice(_CLIENTS)}


def _customer() -> dict:
    n = random.randint(1000, 9999)
    return {
        "customerId": f"cust_{n}",
        "name": f"{random.choice(_FIRST)} {random.choice(_LAST)}",
        "phone": f"+1 415 555 {n:04d}",
        "email": f"debtor{n}@example.com",
        "balanceDue": round(random.uniform(50, 2000), 2),
    }


class CollectionsApi(HttpUser):
    wait_time = between(0.05, 0.15)

    @task(6)
    def get_campaign(self) -> None:
        campaign = f"campaign_{random.randint(1, 40)}"
        self.client.get(f"/api/v1/campaigns/{campaign}", headers=_headers(), name="/api/v1/campaigns/{campaignId}")

    @task(1)
    def create_campaign(self) -> None:
        body = {"name": "Q3 past-due", "channels": ["email", "sms"], "maxAttemptsPerDay": 2}
        self.client.post("/api/v1/campaigns", json=body, headers=_headers(), name="/api/v1/campaigns")

    @task(5)
    def contact_customer(self) -> None:
        channel = random.choice(_CHANNELS)
        body = {"campaignId": f"campaign_{random.randint(1, 40)}", "customer": _customer(), "template": "reminder"}
        self.client.post(f"/api/v1/contacts/{channel}", json=body, headers=_headers(),
                         name="/api/v1/contacts/{channel}")  # fmt: skip

    @task(3)
    def collect_payment(self) -> None:
        body = {"paymentId": f"pay_{random.randint(1, 5000)}", "amount": round(random.uniform(20, 500), 2),
                "customer": _customer(), "method": "ach"}  # fmt: skip
        self.client.post("/api/v1/payments", json=body, headers=_headers(), name="/api/v1/payments")

    @task(3)
    def agent_respond(self) -> None:
        body = {"customer": _customer(), "message": "Can I pay half now and half next month?", "channel": "sms"}
        self.client.post("/api/v1/agents/respond", json=body, headers=_headers(), name="/api/v1/agents/respond")


class ReconciliationJob(HttpUser):
    fixed_count = 1
    wait_time = constant_pacing(4)

    @task
    def reconcile(self) -> None:
        self.client.post("/api/v1/payments/reconcile", json={"batch": "ach-daily"}, headers=_headers(),
                         name="/api/v1/payments/reconcile")  # fmt: skip


class SmsReplies(HttpUser):
    fixed_count = 1
    wait_time = constant_pacing(50)

    @task
    def reply(self) -> None:
        body = {"from": _customer()["phone"], "text": "ok", "campaignId": f"campaign_{random.randint(1, 40)}"}
        self.client.post("/api/v1/webhooks/sms/inbound", json=body, headers=_headers(),
                         name="/api/v1/webhooks/sms/inbound")  # fmt: skip
