"""The reader's widget as served: /widget.js raw, brotli and gzip sizes (the resources table is filled in at serve).

Run: python -m evals.bench.widget_size"""
from __future__ import annotations


def main() -> None:
    from litestar.testing import TestClient

    from service.app import create_app
    from service.settings import get_settings

    with TestClient(app=create_app(get_settings())) as client:
        sizes = {encoding: int(client.get("/widget.js", headers={"accept-encoding": encoding})
                               .headers["content-length"]) for encoding in ("identity", "br", "gzip")}
    print(f"/widget.js: {sizes['identity'] / 1000:.1f} KB raw, {sizes['br'] / 1000:.1f} KB brotli, "
          f"{sizes['gzip'] / 1000:.1f} KB gzip")


if __name__ == "__main__":
    main()
