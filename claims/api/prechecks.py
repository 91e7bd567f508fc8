"""Who may write to a claim, and whether it exists, checked before the request body is read.

A reviewer posting /approve/ with an empty body is told that approving takes
an editor (403), and a post to an unknown claim is 404, rather than either
hearing "version: This field is required". Views that write to one claim
derive from ``ClaimWriteView`` and name the role the write takes; the services
check the same again inside their transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib.auth.models import User
from rest_framework.request import Request
from rest_framework.views import APIView

from claims import roles, workflow
from claims.actors import Actor
from integrations.models import Integration


def actor_of(request: Request) -> Actor:
    integration = request.auth if isinstance(request.auth, Integration) else None
    return Actor(user=cast(User, request.user), integration=integration)


class ClaimWriteView(APIView):
    """A POST to /claims/{pk}/...: the role, then the claim's existence, then the body."""

    min_role: ClassVar[str] = roles.REVIEWER
    doing: ClassVar[str] = "change a claim"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and "pk" in kwargs:
            self.check_who(actor_of(request))
            workflow.access_claim(claim_id=int(kwargs["pk"]))

    def check_who(self, actor: Actor) -> None:
        workflow.check_role(actor=actor, role=self.min_role, doing=self.doing)
