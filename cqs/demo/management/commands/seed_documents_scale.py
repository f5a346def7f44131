"""``python manage.py seed_documents_scale [--count N]``: two million official documents in ``cqs_scale``.

The same separate database as ``seed_scale`` (dossiers), on the same PostgreSQL server. The
command re-runs itself with ``DATABASE_URL`` pointing at it, migrates it, loads the Nghệ An demo
units, agencies and accounts, then appends generated incoming and outgoing documents (four to
one, Nghệ An's ratio) with PostgreSQL COPY until there are ``--count`` of them
(``cqs.demo.documents_scale``). ``--reload`` drops the database first (dossiers included).
"""

from __future__ import annotations

from typing import Any

from cqs.demo.bulk import thousands as _n
from cqs.demo.management.scale_command import ScaleLoadCommand

CHILD_FLAG = "CQS_SEED_DOCUMENTS_CHILD"
INCOMING_SHARE = 0.8


class Command(ScaleLoadCommand):
    help = "Nạp 2.000.000 văn bản đến, đi sinh tự động (bằng COPY) vào CSDL cqs_scale để đo hiệu năng tra cứu."

    command_name = "seed_documents_scale"
    child_flag = CHILD_FLAG
    noun = "văn bản"
    default_count = 2_000_000
    default_chunk = 50_000

    def load(self, options: dict[str, Any]) -> None:
        from cqs.demo.documents_scale import documents_scale_load
        from cqs.documents.models import IncomingDocument, OutgoingDocument

        self.prepare(options, catalog=False)
        incoming_present = IncomingDocument.objects.count()
        outgoing_present = OutgoingDocument.objects.count()
        present = incoming_present + outgoing_present
        todo = options["count"] - present
        if todo <= 0:
            self.stdout.write(f"==> [2/3] Đã có {_n(present)} văn bản, không nạp thêm (--reload để nạp lại)")
            return
        incoming = max(0, round(options["count"] * INCOMING_SHARE) - incoming_present)
        outgoing = max(0, todo - incoming)
        self.stdout.write(
            f"==> [2/3] Nạp {_n(incoming)} văn bản đến và {_n(outgoing)} văn bản đi bằng COPY (đã có {_n(present)})"
        )
        result = documents_scale_load(
            incoming=incoming,
            outgoing=outgoing,
            stdout=self.stdout,
            chunk=options["chunk"],
            drop_indexes=todo >= 50_000,
        )
        total = result.incoming + result.outgoing
        self.stdout.write(
            f"==> [3/3] Xong: {_n(result.incoming)} văn bản đến, {_n(result.outgoing)} văn bản đi, "
            f"{_n(result.files)} tệp có nội dung trích xuất, {_n(result.recipients)} nơi nhận trong "
            f"{result.seconds:.0f} s ({_n(total / result.seconds)} văn bản/s; dựng chỉ mục và ANALYZE "
            f"{result.index_seconds:.0f} s)"
        )
