# Sets up vms_desk on Windows: a virtual environment in .venv and the package with its development tools.
# The embedded player needs VLC 3 (64-bit) installed; without it the player explains how to install it.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
# The newest Python 3.12+: the py launcher's 3.13 or 3.12, else `python` if it is new enough.
function Find-Python {
    if (Get-Command py -ErrorAction SilentlyContinue) {
        foreach ($v in @("3.13", "3.12")) {
            & py "-$v" -c "import sys" 2>$null
            if ($LASTEXITCODE -eq 0) { return @("py", "-$v") }
        }
    }
    if (Get-Command python -ErrorAction SilentlyContinue) {
        & python -c "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)" 2>$null
        if ($LASTEXITCODE -eq 0) { return @("python") }
    }
    return $null
}
if (Test-Path ".venv\Scripts\python.exe") {
    & .venv\Scripts\python.exe -c "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)"
    if ($LASTEXITCODE -ne 0) {
        Write-Host "setup: .venv uses Python < 3.12; rebuilding it"
        Remove-Item -Recurse -Force .venv
    }
}
if (-not (Test-Path ".venv\Scripts\python.exe")) {
    $py = Find-Python
    if (-not $py) {
        Write-Error "vms_desk needs Python 3.12 or newer: install it (winget install Python.Python.3.13) and run this again."
        exit 1
    }
    $exe = $py[0]; $rest = @($py | Select-Object -Skip 1)
    & $exe @rest -m venv .venv
}
& .venv\Scripts\python.exe -m pip install --quiet --upgrade pip
& .venv\Scripts\python.exe -m pip install --quiet -e ".[dev]"
if (-not (Test-Path "$env:ProgramFiles\VideoLAN\VLC\libvlc.dll")) {
    if (Get-Command winget -ErrorAction SilentlyContinue) {
        Write-Host "setup: installing VLC for the embedded player (winget)"
        & winget install --id VideoLAN.VLC -e --silent --accept-source-agreements --accept-package-agreements
    } else {
        Write-Host "setup: VLC not found; install VLC 3 (64-bit) for the embedded player"
    }
}
Write-Host "setup: ready (.venv)"
