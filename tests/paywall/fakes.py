"""A DNS resolver for tests: answers only what it is told, and counts questions."""


class FakeResolver:
    reverse_answers: dict = {}
    forward_answers: dict = {}
    questions: list = []

    def reverse(self, ip):
        FakeResolver.questions.append(("reverse", ip))
        return self.reverse_answers.get(ip)

    def forward(self, hostname):
        FakeResolver.questions.append(("forward", hostname))
        return set(self.forward_answers.get(hostname, ()))


def google_crawler_dns():
    """66.249.66.1 is crawl-66-249-66-1.googlebot.com and back again."""
    FakeResolver.reverse_answers = {
        "66.249.66.1": "crawl-66-249-66-1.googlebot.com.",
        "203.0.113.9": "evil.example.net",
        "203.0.113.10": "crawl-fake.googlebot.com.attacker.example",
        "203.0.113.11": "crawl-203-0-113-11.googlebot.com",
    }
    FakeResolver.forward_answers = {
        "crawl-66-249-66-1.googlebot.com": {"66.249.66.1"},
        # Reverse DNS is the attacker's to set; forward DNS for googlebot.com is not.
        "crawl-203-0-113-11.googlebot.com": {"66.249.66.99"},
    }
    FakeResolver.questions = []
