from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TabularConfig(AppConfig):
    """Reading spreadsheets (xlsx, UTF-8/GBK csv), reporting bad rows, safe exports.

    Every importer in the platform (units, people, questions, responses) uses this so that
    files are read the same way and errors are reported in the same words.
    """

    name = "tabular"
    verbose_name = _("表格导入导出")
