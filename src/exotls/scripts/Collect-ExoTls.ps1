<#
.SYNOPSIS
    Collects, read-only, the exports exotls needs to tell whether TLS 1.0/1.1 can be
    disabled on your Exchange servers and what your Exchange Online tenant allows.

.DESCRIPTION
    Collect-ExoTls.ps1 only reads. It runs Get-* cmdlets, Export-Clixml and
    "reg.exe export"; it never changes a setting on any server or in any tenant.
    The only thing it writes outside -OutputPath is a temporary file per registry
    export (reg.exe can only export to a file), which it reads and deletes at once.

    It writes one folder that "exotls analyze" reads as it is:

        <OutputPath>\organization\Get-ExchangeServer.xml    Get-ExchangeServer (EMS)
        <OutputPath>\organization\Get-TransportConfig.xml   Get-TransportConfig (EMS, or
                                                            Exchange Online with -ExchangeOnline)
        <OutputPath>\<SERVER>\ExSetup.xml                   ExSetup.exe FileVersionInfo (the
                                                            installed build, including SUs)
        <OutputPath>\<SERVER>\OS.xml                        Windows product name and build
        <OutputPath>\<SERVER>\SCHANNEL.reg                  reg.exe export ...\SecurityProviders\SCHANNEL
        <OutputPath>\<SERVER>\NETFramework.reg              reg.exe export ...\Microsoft\.NETFramework
        <OutputPath>\<SERVER>\NETFramework-Wow6432Node.reg  reg.exe export ...\Wow6432Node\Microsoft\.NETFramework
        <OutputPath>\<SERVER>\CipherSuites.reg              reg.exe export ...\Configuration\Local\SSL
        <OutputPath>\<SERVER>\collect-errors.txt            only when something could not be exported

    The folder name identifies the server. A registry key that does not exist is not an
    error of the script: nothing is written for it and the reason is recorded in
    collect-errors.txt, so "missing" stays distinguishable from "off".

    reg.exe cannot export another computer's registry, so the per-server part always
    runs ON the server: remotely through Invoke-Command (default), or by running this
    script on the server with -Local (Edge Transport servers, servers without WinRM).

    Works in Windows PowerShell 5.1 and PowerShell 7.

.PARAMETER OutputPath
    Folder to write into. Created when missing. Use a new, empty folder for each
    collection so that files from an earlier run are not mixed in.

.PARAMETER Servers
    Names or FQDNs of the Exchange servers to collect remotely (Invoke-Command). When
    left out in the Exchange Management Shell, every server Get-ExchangeServer lists is
    collected, except Edge Transport servers (run -Local on those). Pass -Servers @()
    to collect the organization exports only.

.PARAMETER Local
    Collect this computer only, without remoting. Use it on Edge Transport servers and
    wherever WinRM is not available. The organization exports are not collected in this
    mode (run the script once from the Exchange Management Shell for them).

.PARAMETER ExchangeOnline
    This session is connected to Exchange Online (Connect-ExchangeOnline): take
    Get-TransportConfig from the tenant. Only Exchange Online has AllowLegacyTLSClients
    and SmtpClientAuthenticationDisabled. In a hybrid organization, run the script twice
    into the same -OutputPath: once from the Exchange Management Shell, then once with
    -ExchangeOnline; the tenant's Get-TransportConfig.xml replaces the on-premises one.

.PARAMETER SkipOrganization
    Do not collect the organization exports (Get-ExchangeServer, Get-TransportConfig).

.EXAMPLE
    .\Collect-ExoTls.ps1 -OutputPath C:\Temp\exotls
    From the Exchange Management Shell: the organization plus every non-Edge server.

.EXAMPLE
    .\Collect-ExoTls.ps1 -OutputPath C:\Temp\exotls -Servers EX01, EX02.contoso.com

.EXAMPLE
    .\Collect-ExoTls.ps1 -OutputPath C:\Temp\exotls -Local
    On an Edge Transport server, or any server collected by hand.

.EXAMPLE
    Connect-ExchangeOnline; .\Collect-ExoTls.ps1 -OutputPath C:\Temp\exotls -ExchangeOnline

.NOTES
    Then, on any machine with exotls installed:  exotls analyze C:\Temp\exotls
#>
[CmdletBinding(DefaultParameterSetName = 'Remote')]
param(
    [Parameter(Mandatory = $true)]
    [string] $OutputPath,

    [Parameter(ParameterSetName = 'Remote')]
    [AllowEmptyCollection()]
    [string[]] $Servers,

    [Parameter(ParameterSetName = 'Local', Mandatory = $true)]
    [switch] $Local,

    [switch] $ExchangeOnline,

    [switch] $SkipOrganization
)

# ---------------------------------------------------------------------------------------
# The layout exotls reads. These names are a contract with exotls: do not rename them.
# ---------------------------------------------------------------------------------------
$OrganizationFolder = 'organization'
$ExchangeServerFile = 'Get-ExchangeServer.xml'
$TransportConfigFile = 'Get-TransportConfig.xml'
$ExSetupFile = 'ExSetup.xml'
$OsFile = 'OS.xml'
$ErrorsFile = 'collect-errors.txt'

# File name -> registry key that reg.exe exports into it.
$RegistryExports = [ordered]@{
    'SCHANNEL.reg'                 = 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
    'NETFramework.reg'             = 'HKLM\SOFTWARE\Microsoft\.NETFramework'
    'NETFramework-Wow6432Node.reg' = 'HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework'
    'CipherSuites.reg'             = 'HKLM\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL'
}

$CurrentVersionKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$OsProperties = @('ProductName', 'CurrentBuild', 'CurrentBuildNumber', 'DisplayVersion', 'UBR')

# ---------------------------------------------------------------------------------------
# Script blocks that run ON the server (through Invoke-Command, or directly with -Local).
# ---------------------------------------------------------------------------------------

# ExSetup.exe's file version is the installed build including Security Updates;
# Get-ExchangeServer's AdminDisplayVersion only shows the Cumulative Update.
$ExSetupBlock = {
    $command = Get-Command -Name 'ExSetup.exe' -CommandType Application -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if (-not $command -and $env:ExchangeInstallPath) {
        $candidate = Join-Path -Path $env:ExchangeInstallPath -ChildPath 'bin\ExSetup.exe'
        $command = Get-Command -Name $candidate -CommandType Application -ErrorAction SilentlyContinue |
            Select-Object -First 1
    }
    if ($command) { $command.FileVersionInfo }
}

$OsBlock = {
    param([string] $Key)
    Get-ItemProperty -LiteralPath $Key
}

# reg.exe export into a temporary file, then hand back the file's bytes unchanged
# (reg.exe writes UTF-16LE with a BOM; exotls reads exactly that). The temporary file
# is the only thing written on the server, and it is deleted right after reading.
$RegExportBlock = {
    param([string[]] $Keys)
    $ErrorActionPreference = 'Continue'  # reg.exe's stderr must not stop the loop
    foreach ($key in $Keys) {
        $temp = [System.IO.Path]::GetTempFileName()
        # /reg:64: the 64-bit view even from a 32-bit PowerShell (Wow6432Node is named explicitly).
        $message = (& reg.exe export $key $temp /y /reg:64 2>&1 | ForEach-Object { "$_" }) -join ' '
        $exitCode = $LASTEXITCODE
        $bytes = $null
        if ($exitCode -eq 0) { $bytes = [System.IO.File]::ReadAllBytes($temp) }
        [System.IO.File]::Delete($temp)
        [pscustomobject]@{ Key = $key; ExitCode = $exitCode; Message = $message.Trim(); Bytes = $bytes }
    }
}

# ---------------------------------------------------------------------------------------
# Helpers (local side).
# ---------------------------------------------------------------------------------------

function Resolve-OutputFolder {
    # Returns the full path of a folder under -OutputPath, creating it when missing.
    param([string] $Root, [string] $Name)
    $path = if ($Name) { Join-Path -Path $Root -ChildPath $Name } else { $Root }
    [void][System.IO.Directory]::CreateDirectory($path)
    $path
}

function Write-CollectError {
    # One line per failed export: file name, tab, what was read, tab, the reason.
    # UTF-8 without BOM and CRLF in both PowerShell editions. Never throws.
    param([string] $Folder, [string] $File, [string] $Source, [string] $Message)
    Write-Warning "$File ($Source): $Message"
    $line = "$File`t$Source`t$Message`r`n"
    try {
        $target = Join-Path -Path $Folder -ChildPath $ErrorsFile
        [System.IO.File]::AppendAllText($target, $line, [System.Text.UTF8Encoding]::new($false))
    }
    catch {
        Write-Warning "Could not record the error in ${ErrorsFile}: $($_.Exception.Message)"
    }
}

function Export-ObjectsToFile {
    # Export-Clixml with the edition's default encoding (5.1: UTF-16LE, 7: UTF-8), which
    # exotls reads as it is. Nothing is written when there is nothing to export.
    param([object[]] $Objects, [string] $Folder, [string] $File, [string] $Source)
    if ($null -eq $Objects -or $Objects.Count -eq 0) {
        Write-CollectError -Folder $Folder -File $File -Source $Source -Message 'returned nothing'
        return
    }
    try {
        $Objects | Export-Clixml -LiteralPath (Join-Path -Path $Folder -ChildPath $File)
        $script:FilesWritten++
    }
    catch {
        Write-CollectError -Folder $Folder -File $File -Source $Source -Message $_.Exception.Message
    }
}

function Export-RegistryResults {
    # Writes the bytes reg.exe produced on the server, or records why there are none
    # (a missing key: reg.exe exits 1 with "unable to find the specified registry key").
    param([object[]] $Results, [string] $Folder)
    $fileByKey = @{}
    foreach ($entry in $RegistryExports.GetEnumerator()) { $fileByKey[$entry.Value] = $entry.Key }
    foreach ($result in $Results) {
        $file = $fileByKey[$result.Key]
        if ($result.ExitCode -eq 0 -and $result.Bytes) {
            [System.IO.File]::WriteAllBytes((Join-Path -Path $Folder -ChildPath $file), [byte[]] $result.Bytes)
            $script:FilesWritten++
        }
        else {
            $reason = if ($result.Message) { $result.Message } else { "reg.exe exit code $($result.ExitCode)" }
            Write-CollectError -Folder $Folder -File $file -Source $result.Key -Message $reason
        }
    }
}

function Get-ServerFolderName {
    # The folder is the short host name: EX01.contoso.com -> EX01.
    param([string] $Computer)
    ($Computer -split '\.')[0]
}

# ---------------------------------------------------------------------------------------
# The two parts of a collection.
# ---------------------------------------------------------------------------------------

function Export-Organization {
    param([object[]] $ExchangeServers)
    $folder = Resolve-OutputFolder -Root $OutputPath -Name $OrganizationFolder
    if ($ExchangeOnline) {
        Write-Host 'Organization: Get-TransportConfig from Exchange Online'
        if (-not (Get-Command -Name 'Get-ConnectionInformation' -ErrorAction SilentlyContinue) -or
            -not (Get-ConnectionInformation | Where-Object { $_.State -eq 'Connected' })) {
            Write-CollectError -Folder $folder -File $TransportConfigFile -Source 'Get-TransportConfig' `
                -Message 'not connected to Exchange Online: run Connect-ExchangeOnline first'
            return
        }
        try { $config = @(Get-TransportConfig -ErrorAction Stop) }
        catch { Write-CollectError -Folder $folder -File $TransportConfigFile -Source 'Get-TransportConfig' -Message $_.Exception.Message; return }
        Export-ObjectsToFile -Objects $config -Folder $folder -File $TransportConfigFile -Source 'Get-TransportConfig'
        return
    }
    if ($null -eq $ExchangeServers) {
        Write-Host 'Organization: skipped (the Exchange Management Shell is not loaded in this session)'
        return
    }
    Write-Host 'Organization: Get-ExchangeServer, Get-TransportConfig'
    Export-ObjectsToFile -Objects $ExchangeServers -Folder $folder -File $ExchangeServerFile -Source 'Get-ExchangeServer'
    try { $config = @(Get-TransportConfig -ErrorAction Stop) }
    catch { Write-CollectError -Folder $folder -File $TransportConfigFile -Source 'Get-TransportConfig' -Message $_.Exception.Message; return }
    Export-ObjectsToFile -Objects $config -Folder $folder -File $TransportConfigFile -Source 'Get-TransportConfig'
}

function Export-Server {
    # Collects one server. $Computer is $null for -Local. Each step is independent:
    # a failure is recorded and the next step still runs, so nothing collected is lost.
    param([string] $Computer)
    $name = if ($Computer) { Get-ServerFolderName -Computer $Computer } else { $env:COMPUTERNAME }
    $folder = Resolve-OutputFolder -Root $OutputPath -Name $name
    if (@(Get-ChildItem -LiteralPath $folder -File).Count -gt 0) {
        Write-Warning "$folder already holds files from an earlier run; they may be mixed with this one."
    }
    $keys = [string[]] @($RegistryExports.Values)

    # 1. ExSetup.exe FileVersionInfo
    try {
        if ($Computer) {
            $info = @(Invoke-Command -ComputerName $Computer -ScriptBlock $ExSetupBlock -ErrorAction Stop)
        }
        else {
            # Locally there is no remoting note; add the computer name the same way.
            $info = @(& $ExSetupBlock | Add-Member -NotePropertyName 'PSComputerName' `
                    -NotePropertyValue $env:COMPUTERNAME -PassThru)
        }
        Export-ObjectsToFile -Objects $info -Folder $folder -File $ExSetupFile -Source 'ExSetup.exe FileVersionInfo'
    }
    catch {
        Write-CollectError -Folder $folder -File $ExSetupFile -Source 'ExSetup.exe FileVersionInfo' -Message $_.Exception.Message
    }

    # 2. Windows product name and build
    try {
        if ($Computer) {
            $os = @(Invoke-Command -ComputerName $Computer -ScriptBlock $OsBlock -ArgumentList $CurrentVersionKey -ErrorAction Stop |
                    Select-Object -Property ($OsProperties + 'PSComputerName'))
        }
        else {
            $os = @(& $OsBlock $CurrentVersionKey |
                    Select-Object -Property ($OsProperties + @{ Name = 'PSComputerName'; Expression = { $env:COMPUTERNAME } }))
        }
        Export-ObjectsToFile -Objects $os -Folder $folder -File $OsFile -Source $CurrentVersionKey
    }
    catch {
        Write-CollectError -Folder $folder -File $OsFile -Source $CurrentVersionKey -Message $_.Exception.Message
    }

    # 3. Registry exports (SCHANNEL, .NET Framework both views, cipher suite order)
    try {
        if ($Computer) {
            $results = @(Invoke-Command -ComputerName $Computer -ScriptBlock $RegExportBlock -ArgumentList (, $keys) -ErrorAction Stop)
        }
        else {
            $results = @(& $RegExportBlock $keys)
        }
        Export-RegistryResults -Results $results -Folder $folder
    }
    catch {
        foreach ($entry in $RegistryExports.GetEnumerator()) {
            Write-CollectError -Folder $folder -File $entry.Key -Source $entry.Value -Message $_.Exception.Message
        }
    }
}

# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

# .NET file methods resolve relative paths against the process directory, not the
# PowerShell location: make the output path absolute first.
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$null = Resolve-OutputFolder -Root $OutputPath -Name ''
$script:FilesWritten = 0

# Get-ExchangeServer is read once: for the organization export and the server list.
$exchangeServers = $null
if (-not $ExchangeOnline -and -not $Local -and (Get-Command -Name 'Get-ExchangeServer' -ErrorAction SilentlyContinue)) {
    try { $exchangeServers = @(Get-ExchangeServer -ErrorAction Stop) }
    catch { Write-Warning "Get-ExchangeServer failed: $($_.Exception.Message)" }
}

if (-not $SkipOrganization -and (-not $Local -or $ExchangeOnline)) {
    Export-Organization -ExchangeServers $exchangeServers
}
elseif ($Local -and -not $SkipOrganization) {
    Write-Host 'Organization: skipped with -Local (collect it once from the Exchange Management Shell)'
}

if ($Local) {
    $targets = @($null)
}
elseif ($PSBoundParameters.ContainsKey('Servers')) {
    $targets = @($Servers | Where-Object { $_ })
}
elseif ($exchangeServers) {
    # Edge Transport servers are not domain members: collect them with -Local on the server.
    foreach ($edge in @($exchangeServers | Where-Object { $_.IsEdgeServer })) {
        Write-Host "Skipping Edge Transport server $($edge.Name): run this script with -Local on it."
    }
    $targets = @($exchangeServers | Where-Object { -not $_.IsEdgeServer } | ForEach-Object { [string] $_.Fqdn })
}
else {
    $targets = @()
    if (-not $ExchangeOnline) {
        Write-Host 'No servers to collect: name them with -Servers, run in the Exchange Management Shell, or use -Local.'
    }
}

$index = 0
foreach ($target in $targets) {
    $index++
    $label = if ($target) { $target } else { "$env:COMPUTERNAME (local)" }
    Write-Progress -Activity 'Collect-ExoTls' -Status "$label ($index of $($targets.Count))" `
        -PercentComplete ([int](100 * ($index - 1) / $targets.Count))
    Write-Host "Server: $label"
    Export-Server -Computer $target
}
Write-Progress -Activity 'Collect-ExoTls' -Completed

Write-Host "Wrote $script:FilesWritten file(s) to $OutputPath"
Write-Host "Next: exotls analyze `"$OutputPath`""
