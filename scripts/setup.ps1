# Sets up vms_desk on Windows: a virtual environment in .venv and the package with its development tools.
# The embedded player needs VLC 3 (64-bit) installed; without it the player explains how to install it.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
if (-not (Test-Path ".venv\Scripts\python.exe")) {
    $py = (Get-Command py -ErrorAction SilentlyContinue)
    # vms_desk needs Python 3.12 or newer: the newest installed 3.13 or 3.12 through the py launcher.
    if ($py) { & py -3.13 -m venv .venv; if ($LASTEXITCODE) { & py -3.12 -m venv .venv } }
    else { & python -m venv .venv }
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
