"""Who people are in Safeguard: organisations, units, users, roles, and the records of their access."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class OrganisationKind(models.TextChoices):
    POLICE_UNIT = "police", "Police"
    CHILDRENS_SOCIAL_CARE = "social_care", "Children's social care"
    SCHOOL = "school", "School"
    HEALTH = "health", "Health"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """The force itself or a safeguarding partner. Every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind == OrganisationKind.POLICE_UNIT


class Unit(models.Model):
    """A police unit or team. Its supervisor oversees the work of its members."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40, unique=True, help_text="Short code, for example PPU-NORTH")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervised_units"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unit_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class RoleCode(models.TextChoices):
    OFFICER = "officer", "Officer"
    INVESTIGATOR = "investigator", "Investigator"
    SUPERVISOR = "supervisor", "Supervisor"
    HUB = "hub", "Safeguarding hub"
    PARTNER = "partner", "Partner agency"
    LEADER = "leader", "Leader"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


class Role(models.Model):
    """One of the eight roles. Rows are created by a migration; what a role may do is in policy.py."""

    code = models.CharField(max_length=20, choices=RoleCode.choices, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return RoleCode(self.code).label


class SafeguardUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are matched without regard to case, so "JSmith" and "jsmith" are one account.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person who logs in. Belongs to one organisation, optionally one unit, and holds roles."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users", null=True)
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    collar_number = models.CharField(max_length=20, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    objects = SafeguardUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["username"]
        constraints = [models.UniqueConstraint(Lower("username"), name="username_unique_ci")]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def role_codes(self) -> frozenset[str]:
        """The codes of this user's roles, cached for the life of the object."""
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            if not self.pk:
                cached = frozenset()
            elif "roles" in getattr(self, "_prefetched_objects_cache", {}):
                cached = frozenset(role.code for role in self.roles.all())
            else:
                cached = frozenset(self.roles.values_list("code", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))


class UserSession(models.Model):
    """A server-side session of a user, so that disabling a user can end every one of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]


class LoginThrottle(models.Model):
    """Failed logins per username, whether or not that username exists, so a lockout reveals nothing."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once, at creation."""

    PREFIX = "sg_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters of the token, to tell tokens apart")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccessGrant(models.Model):
    """Time-limited access to one record: a break-the-glass opening or an auditor's grant."""

    class Kind(models.TextChoices):
        BREAK_GLASS = "break_glass", "Break the glass"
        AUDIT = "audit", "Audit grant"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_grants")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    reason = models.TextField()
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "record_type", "record_id", "expires_at"])]


class Notification(models.Model):
    """An in-app notice to a user. Carries no case content beyond a link to the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]


@dataclass(frozen=True)
class Scope:
    """How the access policy finds who a record belongs to. Each case model declares one.

    Paths are ORM lookups from the model: ``unit`` to its owning Unit, ``owner`` to the user who
    owns it, ``restricted`` to a boolean marking it as needing break-the-glass, and ``partner_org``
    (optional) to the organisations it has been shared with — only live shares. A ``nominal`` record
    (a person in the force's nominal index) is seen by every police role that sees case content,
    whatever unit recorded it: "have we seen this child before?" must be answerable across the force.
    ``opens_with`` (optional) names a parent record whose opening opens this one too: an action in a
    restricted investigation opens to whoever may open the investigation, not only to the action's owner.
    """

    unit: str = "unit"
    owner: str = "owner"
    restricted: str | None = "is_restricted"
    partner_org: str | None = None
    record_type: str = ""
    nominal: bool = False
    opens_with: str | None = None


class ScopedRecord(models.Model):
    """Base for every record that holds case content: it has an owning unit and officer."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    is_restricted = models.BooleanField(default=False)

    access_scope = Scope()

    class Meta:
        abstract = True
