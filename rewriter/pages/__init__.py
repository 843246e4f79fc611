"""Full text for thin items (`--full-text`): fetch the linked page, extract its article.

`fetch` gets a page politely and safely, `guard` says which hosts may be
fetched, `extract` finds the article in the HTML, `source` puts it all
together behind the page cache.
"""
