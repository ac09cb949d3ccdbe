"""``{live-demo}``: where a chapter's widget would be, a box that sends the reader to Colab or Binder.

A slider in a static page cannot call the kernel, so the HTML book has no widgets: the
widget cell is tagged ``skip-execution`` and preceded by

    ```{live-demo}
    ```

which renders a Korean tip with Colab and Binder links to the chapter's paired notebook,
built the way sphinx-book-theme builds its launch buttons (repository url and branch from
``_config.yml``).
"""
from urllib.parse import urlparse

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

TITLE = "이 그림은 Colab·Binder에서 움직일 수 있습니다"
BODY = ("정적인 책에서는 슬라이더가 움직이지 않습니다. 바로 위의 그림은 기본 설정으로 그린 것입니다. "
        "설정을 바꾸어 보려면 이 장의 노트북을 열고 위젯 셀을 실행하세요.")
COLAB = "Colab에서 열기"
BINDER = "Binder에서 열기"


def launch_urls(config, docname: str) -> dict[str, str]:
    """Colab and Binder URLs of the paired notebook ``<docname>.ipynb``."""
    options = config.html_theme_options
    owner, repo = urlparse(options["repository_url"]).path.strip("/").split("/")[:2]
    branch = options.get("repository_branch") or "main"
    prefix = options.get("path_to_docs", "").strip("/")
    path = f"{prefix}/{docname}.ipynb" if prefix else f"{docname}.ipynb"
    launch = options.get("launch_buttons", {})
    ui = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
    colab = launch.get("colab_url", "https://colab.research.google.com").rstrip("/")
    binder = launch.get("binderhub_url", "https://mybinder.org").rstrip("/")
    return {
        COLAB: f"{colab}/github/{owner}/{repo}/blob/{branch}/{path}",
        BINDER: f"{binder}/v2/gh/{owner}/{repo}/{branch}?urlpath={ui}/{path}",
    }


class LiveDemo(SphinxDirective):
    has_content = False

    def run(self):
        box = nodes.admonition(classes=["tip", "live-demo"])
        self.set_source_info(box)
        box += nodes.title(TITLE, TITLE)
        box += nodes.paragraph(BODY, BODY)
        links = nodes.paragraph(classes=["live-demo-links"])
        for i, (text, url) in enumerate(launch_urls(self.config, self.env.docname).items()):
            if i:
                links += nodes.Text(" · ")
            links += nodes.reference(text, text, refuri=url, classes=["live-demo-link"])
        box += links
        return [box]


def setup(app):
    app.add_directive("live-demo", LiveDemo)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
