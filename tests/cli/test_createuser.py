"""shopflow createuser: users in roles, with clear refusals."""

import subprocess
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def createuser(*args, **options):
    out = StringIO()
    call_command("createuser", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_creates_a_user_in_several_roles():
    output = createuser("li.na", "--role", "warehouse", "--role", "purchasing", "--password", "Kc7!vbQ2xx")
    user = User.objects.get(username="li.na")
    assert sorted(user.groups.values_list("name", flat=True)) == ["purchasing", "warehouse"]
    assert user.check_password("Kc7!vbQ2xx")
    assert not user.is_superuser
    assert "li.na" in output


def test_superuser_needs_no_role():
    createuser("root2", "--superuser", "--password", "Kc7!vbQ2xx")
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.is_staff


def test_unknown_role_lists_the_valid_ones():
    with pytest.raises(CommandError) as exc:
        createuser("wang", "--role", "boss", "--password", "Kc7!vbQ2xx")
    message = str(exc.value)
    assert "boss" in message
    for code in ("manager", "warehouse", "purchasing", "customer_service"):
        assert code in message
    assert not User.objects.filter(username="wang").exists()


def test_a_role_is_required():
    with pytest.raises(CommandError, match="--role"):
        createuser("wang", "--password", "Kc7!vbQ2xx")


def test_existing_user_is_refused():
    User.objects.create_user("zhang", password="Kc7!vbQ2xx")
    with pytest.raises(CommandError, match="already exists"):
        createuser("Zhang", "--role", "finance", "--password", "Kc7!vbQ2xx")
    assert User.objects.filter(username__iexact="zhang").count() == 1


@pytest.mark.parametrize("password", ["123", "password", "abcdefg"])
def test_weak_password_is_refused(password):
    with pytest.raises(CommandError, match="weak"):
        createuser("chen", "--role", "finance", "--password", password)
    assert not User.objects.filter(username="chen").exists()


def test_invalid_username_is_refused():
    with pytest.raises(CommandError):
        createuser("bad name!", "--role", "finance", "--password", "Kc7!vbQ2xx")


def test_without_a_terminal_the_password_must_be_given():
    with pytest.raises(CommandError, match="--password"):
        createuser("zhou", "--role", "finance")
    assert not User.objects.filter(username="zhou").exists()


def test_console_script_exits_1_with_the_message(cli_env, shopflow_cmd):
    result = subprocess.run([*shopflow_cmd, "createuser", "wang", "--role", "boss", "--password", "x"],
                            env=cli_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    assert "boss" in result.stderr and "warehouse" in result.stderr
