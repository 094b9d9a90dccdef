"""Customers writing to the Customer Success FTE: emails, chat messages and phone transcripts, and ticket lookups.

A customer holds one conversation (one X-Correlation-ID) for a few turns, then starts another. Every request
starts a W3C trace and carries a request id. Bodies carry what real ones do: the customer's name, email and
phone, sometimes repeated inside the message text, so the drill can check that none of it reaches the logs.
"""

import random
import uuid

from locust import HttpUser, between, task

from harness.load.tracing import trace_headers

_FIRST = ["Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances"]
_LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen"]
_ASKS = [
    "I was charged twice for my subscription this month.",
    "How do I reset my password? The link in the email expired.",
    "My order #{order} has not arrived yet, can you check?",
    "Please cancel my plan, and call me back on {phone} to confirm.",
    "The export to CSV fails with an error since yesterday.",
    "Can I get a refund for order #{order}? Reply to {email}.",
]


class Customer(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        n = random.randint(1, 99_999)
        first, last = random.choice(_FIRST), random.choice(_LAST)
        self.person = {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{n}@example.com",
            "phone": f"+1 415 555 {n % 10_000:04d}",
        }
        self.new_conversation()

    def new_conversation(self) -> None:
        self.conversation = f"conv_{uuid.uuid4().hex[:16]}"
        self.turns_left = random.randint(1, 5)

    def headers(self, channel: str) -> dict[str, str]:
        if self.turns_left <= 0:
            self.new_conversation()
        self.turns_left -= 1
        return {**trace_headers(), "X-Correlation-ID": self.conversation, "X-Channel": channel}

    def ask(self) -> str:
        text = random.choice(_ASKS)
        return text.format(order=random.randint(10_000, 99_999), phone=self.person["phone"], email=self.person["email"])

    @task(45)
    def email(self) -> None:
        body = {"from": self.person["email"], "customer_name": self.person["name"], "subject": "Support request",
                "text": self.ask(), "conversation_id": self.conversation}  # fmt: skip
        self.client.post("/v1/channels/email/messages", json=body, headers=self.headers("email"),
                         name="message email")  # fmt: skip

    @task(40)
    def chat(self) -> None:
        body = {"customer": {"name": self.person["name"], "email": self.person["email"]}, "text": self.ask(),
                "conversation_id": self.conversation}  # fmt: skip
        self.client.post("/v1/channels/chat/messages", json=body, headers=self.headers("chat"),
                         name="message chat")  # fmt: skip

    @task(15)
    def phone(self) -> None:
        body = {"caller": {"phone": self.person["phone"], "name": self.person["name"]}, "transcript": self.ask(),
                "conversation_id": self.conversation}  # fmt: skip
        self.client.post("/v1/channels/phone/messages", json=body, headers=self.headers("phone"),
                         name="message phone")  # fmt: skip

    @task(15)
    def ticket_status(self) -> None:
        ticket = f"TCK-{random.randint(1, 50_000):06d}"
        headers = {**trace_headers(), "X-Channel": random.choice(["email", "chat", "phone"])}
        self.client.get(f"/v1/tickets/{ticket}", headers=headers, name="ticket status")
