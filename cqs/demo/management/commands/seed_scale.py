"""``python manage.py seed_scale [--count N]``: a separate database ``cqs_scale`` with a million dossiers.

The database lives on the same PostgreSQL server as the platform's (``DATABASE_URL`` or the
embedded server). The command re-runs itself with ``DATABASE_URL`` pointing at ``cqs_scale``
(Django reads the setting once, at start-up), migrates it, loads the Nghệ An demo units,
agencies, procedures and accounts, then appends generated dossiers with PostgreSQL COPY until
there are ``--count`` of them (``cqs.demo.scale``). ``--reload`` drops the database first.
"""

from __future__ import annotations

from typing import Any

from cqs.demo.bulk import thousands as _n
from cqs.demo.management.scale_command import ScaleLoadCommand

CHILD_FLAG = "CQS_SEED_SCALE_CHILD"


class Command(ScaleLoadCommand):
    help = "Tạo CSDL cqs_scale với 1.000.000 hồ sơ sinh tự động (nạp bằng COPY) để đo hiệu năng."

    command_name = "seed_scale"
    child_flag = CHILD_FLAG
    noun = "hồ sơ"
    default_count = 1_000_000
    default_chunk = 100_000

    def load(self, options: dict[str, Any]) -> None:
        from cqs.demo.scale import scale_load
        from cqs.dossiers.models import Dossier

        self.prepare(options, catalog=True)
        present = Dossier.objects.count()
        todo = options["count"] - present
        if todo <= 0:
            self.stdout.write(f"==> [2/3] Đã có {_n(present)} hồ sơ, không nạp thêm (--reload để nạp lại)")
            return
        self.stdout.write(f"==> [2/3] Nạp {_n(todo)} hồ sơ bằng COPY (đã có {_n(present)})")
        result = scale_load(count=todo, stdout=self.stdout, chunk=options["chunk"], drop_indexes=todo >= 50_000)
        self.stdout.write(
            f"==> [3/3] Xong: {_n(result.dossiers)} hồ sơ, {_n(result.events)} sự kiện, {_n(result.steps)} bước trong "
            f"{result.seconds:.0f} s ({_n(result.dossiers / result.seconds)} hồ sơ/s; dựng chỉ mục và ANALYZE "
            f"{result.index_seconds:.0f} s)"
        )
