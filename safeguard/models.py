from django.db import models


class ScheduledRun(models.Model):
    """One row per periodic task per time slot: the unique constraint makes two schedulers enqueue once."""

    task_name = models.CharField(max_length=200)
    slot = models.BigIntegerField(help_text="Seconds since the epoch at the start of the slot")
    enqueued_at = models.DateTimeField(auto_now_add=True)
    result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task_name", "slot"], name="scheduled_run_once_per_slot")]


class LocalParameter(models.Model):
    """A force's own value for a local rule (DOMAIN.md: "local" rules are configurable). Absent rows
    mean the shipped default in safeguard.parameters applies."""

    key = models.CharField(max_length=80, unique=True)
    value = models.IntegerField()
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class ParameterChange(models.Model):
    """The history of a local value: who changed it, from what, to what, and why."""

    key = models.CharField(max_length=80, db_index=True)
    old_value = models.IntegerField()
    new_value = models.IntegerField()
    reason = models.TextField()
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
