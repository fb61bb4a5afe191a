"""Articles whose every sentence says whether a walled reader may see it."""

from tests import factories


def teaser_sentence(n, k):
    return f"Teaser line {k} of story {n} is free to read."


def secret_sentence(n, k):
    return f"Paid line {k} of story {n} stays on the server."


def gated_article(section, n, authors=(), access="metered", blocks=6, teaser=3, **fields):
    sentences = [
        teaser_sentence(n, k) if k < teaser else secret_sentence(n, k) for k in range(blocks)
    ]
    return factories.article(
        section,
        f"Story {n}",
        authors=authors,
        access=access,
        teaser_blocks=teaser,
        body=factories.paragraphs(*sentences),
        **fields,
    )


def secrets_in(text, article_number, blocks=6, teaser=3):
    return [s for k in range(teaser, blocks) if (s := secret_sentence(article_number, k)) in text]


def teasers_in(text, article_number, teaser=3):
    return [s for k in range(teaser) if (s := teaser_sentence(article_number, k)) in text]
