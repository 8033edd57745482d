"""Static checks of Collect-ExoTls.ps1: it ships, it only reads, and it writes exactly the
layout exotls reads.

There is no PowerShell here, so the script is checked as text: a small scanner separates
code from comments and string literals, and the checks look at the code only (a word in
a comment or a help text is not a command).
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "exotls" / "samples"

# The layout exotls' extract layer relies on (docs/collect.md).
REGISTRY_EXPORTS = {
    "SCHANNEL.reg": r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL",
    "NETFramework.reg": r"HKLM\SOFTWARE\Microsoft\.NETFramework",
    "NETFramework-Wow6432Node.reg": r"HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework",
    "CipherSuites.reg": r"HKLM\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL",
}
ORG_FILES = {"Get-ExchangeServer.xml", "Get-TransportConfig.xml"}
SERVER_FILES = {"ExSetup.xml", "OS.xml", *REGISTRY_EXPORTS}
ERRORS_FILE = "collect-errors.txt"
PARAMETERS = {"OutputPath", "Servers", "Local", "ExchangeOnline", "SkipOrganization"}

# Every command the script may run: read-only cmdlets, output to the console, and the
# in-memory Add-Member. Anything new has to be added here on purpose.
READ_ONLY_COMMANDS = {
    "Add-Member",
    "Export-Clixml",
    "ForEach-Object",
    "Get-ChildItem",
    "Get-Command",
    "Get-ConnectionInformation",
    "Get-ExchangeServer",
    "Get-ItemProperty",
    "Get-TransportConfig",
    "Invoke-Command",
    "Join-Path",
    "Select-Object",
    "Where-Object",
    "Write-Host",
    "Write-Progress",
    "Write-Warning",
}
CHANGING_VERBS = {
    "Set", "New", "Remove", "Clear", "Rename", "Move", "Copy", "Install", "Uninstall", "Enable",
    "Disable", "Start", "Stop", "Restart", "Suspend", "Resume", "Register", "Unregister", "Import",
    "Update", "Reset", "Grant", "Revoke", "Mount", "Dismount", "Restore", "Out", "Add", "Invoke",
}  # fmt: skip
DOTNET_FILE_CALLS = {"ReadAllBytes", "Delete", "WriteAllBytes", "AppendAllText"}


@dataclass(frozen=True)
class Script:
    text: str
    code: str  # comments blanked, strings kept
    bare: str  # comments and string contents blanked
    strings: tuple[str, ...]  # every string literal's content


def _scan(text: str) -> Script:
    """Split PowerShell source into code, comments and strings (no here-strings allowed)."""
    code: list[str] = []
    bare: list[str] = []
    strings: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        prev = text[i - 1] if i else "\n"
        if text.startswith("<#", i):
            end = text.index("#>", i) + 2
            blank = re.sub(r"[^\n]", " ", text[i:end])
            code.append(blank)
            bare.append(blank)
            i = end
        elif ch == "#" and (prev.isspace() or prev in ";({"):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            code.append(" " * (end - i))
            bare.append(" " * (end - i))
            i = end
        elif ch in "'\"":
            j = i + 1
            while True:
                if j >= len(text):
                    raise AssertionError(f"unterminated string at offset {i}")
                if ch == '"' and text[j] == "`":
                    j += 2
                    continue
                if text[j] == ch:
                    if ch == "'" and text.startswith("''", j):
                        j += 2
                        continue
                    break
                j += 1
            literal = text[i : j + 1]
            strings.append(literal[1:-1])
            code.append(literal)
            bare.append(ch + re.sub(r"[^\n]", " ", literal[1:-1]) + ch)
            i = j + 1
        else:
            code.append(ch)
            bare.append(ch)
            i += 1
    return Script(text, "".join(code), "".join(bare), tuple(strings))


@pytest.fixture(scope="module")
def script() -> Script:
    resource = importlib.resources.files("exotls") / "scripts" / "Collect-ExoTls.ps1"
    assert resource.is_file()
    text = resource.read_text(encoding="ascii")
    assert not re.search(r"@['\"]\s*$", text, re.MULTILINE), "here-strings would confuse the scanner"
    return _scan(text)


def _commands(bare: str) -> set[str]:
    return set(re.findall(r"(?<![\w$.:-])([A-Z][a-z]+-[A-Z][A-Za-z0-9]+)\b", bare))


def _defined_functions(bare: str) -> set[str]:
    return set(re.findall(r"^\s*function\s+([A-Za-z]+-[A-Za-z0-9]+)", bare, re.MULTILINE))


# --- it ships ----------------------------------------------------------------------------


def test_script_ships_in_the_package_and_is_ascii(script: Script) -> None:
    # Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page.
    assert script.text.isascii()
    assert script.text.lstrip().startswith("<#")


# --- it only reads -----------------------------------------------------------------------


def test_scanner_sees_commands_in_code_but_not_in_comments_or_strings() -> None:
    sample = _scan("# Remove-Item in a comment\nGet-Item 'Set-Item in a string' <# New-Item #>\n")
    assert _commands(sample.bare) == {"Get-Item"}
    assert sample.strings == ("Set-Item in a string",)


def test_every_command_is_a_read_only_one_or_defined_in_the_script(script: Script) -> None:
    defined = _defined_functions(script.bare)
    used = _commands(script.bare) - defined
    assert used <= READ_ONLY_COMMANDS, used - READ_ONLY_COMMANDS
    assert {"Export-Clixml", "Invoke-Command", "Get-ItemProperty", "Get-ExchangeServer"} <= used


def test_no_command_with_a_changing_verb_except_in_memory_add_member_and_invoke_command(script: Script) -> None:
    defined = _defined_functions(script.bare)
    for command in _commands(script.bare) - defined:
        verb = command.split("-", 1)[0]
        if command in ("Add-Member", "Invoke-Command"):
            continue
        assert verb not in CHANGING_VERBS, command
    for function in defined:
        assert function.split("-", 1)[0] not in CHANGING_VERBS, function


def test_no_set_new_remove_anywhere_in_code(script: Script) -> None:
    assert not re.search(r"\b(Set|New|Remove)-[A-Za-z]", script.bare)
    assert not re.search(r"\b(Invoke-Expression|iex)\b", script.bare, re.IGNORECASE)
    assert "ScriptBlock]::Create" not in script.code
    for registry_write in ("SetValue", "CreateSubKey", "DeleteSubKey", "DeleteValue", "OpenRemoteBaseKey"):
        assert registry_write not in script.code


def test_reg_exe_is_only_ever_used_to_export(script: Script) -> None:
    uses = re.findall(r"\breg(?:\.exe)?\s+([A-Za-z]+)", script.bare, re.IGNORECASE)
    assert uses == ["export"]
    assert not re.search(r"\breg(?:\.exe)?\s+(add|delete|import|copy|restore|load|unload|save)\b", script.bare, re.I)
    assert "regedit" not in script.code.lower()


def test_file_writes_go_only_to_the_output_folder_or_the_temp_file(script: Script) -> None:
    calls = re.findall(r"\[System\.IO\.File\]::(\w+)\(([^,)]*)", script.code)
    assert {name for name, _ in calls} == DOTNET_FILE_CALLS
    # The only delete is of reg.exe's temporary file, made by GetTempFileName just before.
    deletes = [argument for name, argument in calls if name == "Delete"]
    assert deletes == ["$temp"]
    assert "$temp = [System.IO.Path]::GetTempFileName()" in script.code
    assert re.findall(r"\[System\.IO\.Directory\]::(\w+)", script.code) == ["CreateDirectory"]


# --- it writes the layout exotls reads ---------------------------------------------------


def test_registry_export_table_is_the_documented_layout(script: Script) -> None:
    table = dict(re.findall(r"^\s*'([\w.-]+\.reg)'\s*=\s*'([^']+)'", script.code, re.MULTILINE))
    assert table == REGISTRY_EXPORTS
    assert list(table) == list(REGISTRY_EXPORTS)


def test_every_file_name_the_script_writes_is_in_the_layout(script: Script) -> None:
    names = {s for s in script.strings if re.fullmatch(r"[\w.-]+\.(xml|reg|txt|json|csv|log)", s)}
    assert names == ORG_FILES | SERVER_FILES | {ERRORS_FILE}
    assert "organization" in script.strings


def test_each_output_file_is_actually_written(script: Script) -> None:
    for variable in ("$ExchangeServerFile", "$TransportConfigFile", "$ExSetupFile", "$OsFile"):
        assert re.search(rf"Export-ObjectsToFile .*-File {re.escape(variable)}\b", script.code), variable
    assert "$Objects | Export-Clixml -LiteralPath (Join-Path -Path $Folder -ChildPath $File)" in script.code
    assert "[System.IO.File]::WriteAllBytes((Join-Path -Path $Folder -ChildPath $file), [byte[]] $result.Bytes)" in (
        script.code
    )


def test_os_properties_are_the_ones_exotls_reads(script: Script) -> None:
    match = re.search(r"\$OsProperties = @\(([^)]*)\)", script.code)
    assert match is not None
    assert re.findall(r"'(\w+)'", match.group(1)) == ["ProductName", "CurrentBuild", "CurrentBuildNumber", "DisplayVersion", "UBR"]
    assert "($OsProperties + 'PSComputerName')" in script.code
    assert r"'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'" in script.code


def test_missing_keys_are_recorded_not_written(script: Script) -> None:
    body = script.code[script.code.index("function Export-RegistryResults") :]
    body = body[: body.index("\nfunction ")]
    assert "$result.ExitCode -eq 0 -and $result.Bytes" in body
    assert "Write-CollectError" in body
    # UTF-8 without BOM, CRLF, tab-separated: the shape the shipped sample shows.
    assert "[System.Text.UTF8Encoding]::new($false)" in script.code
    assert '"$File`t$Source`t$Message`r`n"' in script.code


def test_shipped_samples_use_only_layout_names() -> None:
    for path in SAMPLES.rglob("*"):
        if not path.is_file() or path.name == "README.md":
            continue
        relative = path.relative_to(SAMPLES)
        if relative.parts[0] == "organization":
            assert relative.name in ORG_FILES, relative
        elif relative.as_posix() == "EX16-OLD/SCHANNEL.json":
            continue  # collected by hand, documented as such in the samples README
        else:
            assert relative.name in SERVER_FILES | {ERRORS_FILE}, relative


# --- it is a well-formed script ----------------------------------------------------------


def test_parameters_are_exactly_the_documented_ones(script: Script) -> None:
    param_block = script.bare[script.bare.index("param(") : script.bare.index("\n)\n")]
    declared = set(re.findall(r"\]\s*\$(\w+)", param_block))
    assert declared == PARAMETERS
    help_params = set(re.findall(r"^\.PARAMETER (\w+)$", script.text, re.MULTILINE))
    assert help_params == PARAMETERS


def test_brackets_balance_and_every_called_function_is_defined(script: Script) -> None:
    for opening, closing in ("()", "{}", "[]"):
        depth = 0
        for ch in script.bare:
            depth += (ch == opening) - (ch == closing)
            assert depth >= 0, opening
        assert depth == 0, opening
    defined = _defined_functions(script.bare)
    called = {name for name in _commands(script.bare) if name not in READ_ONLY_COMMANDS}
    assert called == defined
