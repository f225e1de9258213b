// English strings: the reference table and the fallback for every other language.

export const en = {
  title: 'Face verification',
  'title.enroll': 'Face enrolment',
  'title.verify': 'Face verification',
  'title.identify': 'Face identification',
  'title.add-device': 'Add this device',
  start: 'Start',

  'consent.heading': 'Before we start',
  'consent.intro':
    'This check uses your camera to confirm it is really you. Please read what happens to your data.',
  'consent.purposes': 'Why',
  'consent.purpose.enroll':
    'To enrol your face so that it can be used to verify your identity later.',
  'consent.purpose.verify': 'To verify that you are the person you say you are.',
  'consent.purpose.identify': 'To find out which enrolled person you are.',
  'consent.purpose.add-device':
    'To confirm it is you, so this browser can be used for your face checks from now on.',
  'consent.data': 'What data is processed',
  'consent.data.local':
    'Camera images and video are processed only on this device. No picture or video is sent or stored.',
  'consent.data.vector':
    'A face feature vector (a list of numbers computed from your face) is encrypted and sent to the operator of this site for face recognition.',
  'consent.data.result':
    'The result (match or no match, with a score) is returned to the operator.',
  'consent.data.retention':
    'Verification data is deleted after 3 days; the record of this consent is kept for at least 6 months as required.',
  'consent.data.rights':
    'You can withdraw consent at any time, which stops processing and deletes your data on this device and on the server. You can also ask for a copy, correction or deletion of your data.',
  'consent.policy': 'Privacy policy',
  'consent.policyVersion': 'Policy version',
  'consent.sensitive':
    'I separately agree that my face information, which is sensitive personal information, is processed for the purposes above.',
  'consent.guardian':
    'I am the parent or guardian of the person being verified (required for anyone under 14) and I agree on their behalf.',
  'consent.accept': 'Accept and continue',
  'consent.decline': 'Decline',
  'consent.needSensitive': 'Tick the sensitive-information box to continue, or choose Decline.',
  'consent.needGuardian': 'A parent or guardian must confirm before continuing.',

  'permission.heading': 'Camera access',
  'permission.body': 'Allow access to your camera when your browser asks.',
  'camera.heading': 'Getting ready',
  'camera.loading': 'Loading the face check…',
  'camera.select': 'Camera',
  'camera.preview': 'Camera preview',

  'guidance.heading': 'Position your face',
  'guidance.hold': 'Hold still…',
  'guidance.ok': 'Good. Hold still.',
  'guidance.no-face': 'No face found. Look at the camera.',
  'guidance.multiple-faces': 'More than one face. Only one person should be in view.',
  'guidance.too-far': 'Move closer to the camera.',
  'guidance.too-close': 'Move a little further from the camera.',
  'guidance.off-centre': 'Centre your face in the oval.',
  'guidance.too-dark': 'It is too dark. Find more light.',
  'guidance.too-bright': 'It is too bright. Avoid strong light behind or on you.',
  'guidance.blurred': 'The image is blurred. Hold still.',
  'guidance.not-frontal': 'Look straight at the camera.',
  'guidance.partly-outside': 'Your face is partly outside the picture.',

  'challenges.heading': 'Follow the prompts',
  'challenges.progress': 'Step {index} of {total}',
  'challenge.blink': 'Blink your eyes',
  'challenge.turn-left': 'Turn your head to your left',
  'challenge.turn-right': 'Turn your head to your right',
  'challenge.open-mouth': 'Open your mouth',
  'challenge.nod': 'Nod your head (down and back up)',
  'challenge.next': 'Next: {action}. Start when you see “Now”.',
  'challenge.now': 'Now! {action}',
  'challenge.early': 'That was too early: wait for “Now”.',
  'challenge.late': 'Please start as soon as you see “Now”. Try this step again.',
  'challenge.other': 'Follow the instruction: {kind}',
  'challenge.wrong': 'That was a different movement. Try this step again.',
  'challenge.timeout': 'Time ran out. Try this step again.',

  'extracting.heading': 'Checking',
  'extracting.body': 'Computing the face features on this device…',
  'submitting.heading': 'Checking',
  'submitting.body': 'Sending the encrypted features for comparison…',

  'result.match': 'Verified',
  'result.match.body': 'Your face matches. You can continue.',
  'result.enrolled': 'Enrolled',
  'result.enrolled.body': 'Your face is enrolled.',
  'result.identified': 'Identified',
  'result.identified.body': 'You were recognised as {subject}.',
  'result.noMatch': 'Not verified',
  'result.noMatch.body':
    'The face did not match closely enough. Check the lighting and try again, or use another way to verify.',
  'result.noMatch.identify': 'No enrolled person matched. Try again or use another way to verify.',
  'result.score': 'Similarity {score} (threshold {threshold})',
  'result.face': 'Face {n}: {subject} (similarity {score})',
  'result.face.none': 'Face {n}: no enrolled person matched',
  retry: 'Try again',
  cancel: 'Cancel',
  close: 'Close',
  'declined.heading': 'No consent given',
  'declined.body': 'Nothing was collected. You can use another way to verify.',
  'declined.review': 'Review consent again',
  'cancelled.heading': 'Cancelled',
  'cancelled.body': 'The check was stopped and the camera is off.',
  'withdrawn.heading': 'Consent withdrawn',
  'withdrawn.body': 'Processing stopped and your data was deleted from this device and the server.',
  'withdrawn.partial':
    'Processing stopped and data on this device was deleted, but the server could not be reached. Try again later.',
  withdraw: 'Withdraw consent and delete my data',
  'alternative.heading': 'Another way to verify',

  'error.heading': 'Something went wrong',
  'error.permission-denied':
    'Camera access was blocked. Allow the camera in your browser settings, then try again.',
  'error.no-camera': 'No camera was found. Connect a camera and try again.',
  'error.camera-in-use': 'The camera is in use by another application. Close it and try again.',
  'error.insecure-context':
    'The camera only works on a secure (https) page. Ask the site operator to fix this.',
  'error.unsupported': 'This browser cannot run the face check. Try a current browser.',
  'error.model-load-failed':
    'The face check could not be loaded. Check your connection and try again.',
  'error.endpoint-unreachable': 'The verification service could not be reached. Try again.',
  'error.session-expired': 'The check took too long. Please try again.',
  'error.liveness-failed':
    'The movements could not be confirmed. Follow each prompt when it appears and try again.',
  'error.spoof-suspected':
    'The check could not confirm a live person in front of the camera. Try again without screens or photos in view.',
  'error.face-lost': 'Your face went out of view. Try again.',
  'error.rejected': 'The verification service refused the request. Try again.',
  'error.locked':
    'Face verification is paused for this account after repeated failures. Use another way to verify.',
  'error.not-enrolled': 'No face is enrolled for this account yet.',
  'error.device-not-registered':
    'This browser is not registered for your account yet. Add it first (the service offers “add this device”), or use the device you enrolled with.',
  'error.not-authorised':
    'This page is not authorised to start a face check right now. Reload the page and try again.',
  'error.consent-required': 'Consent is needed before the check can run.',
  'error.storage-failed': 'This browser could not store the consent record. Try again.',
  'error.misconfigured': 'The widget is not configured correctly (missing endpoint or subject).',
  'error.internal': 'An unexpected error occurred. Try again.',
  'error.code': 'Code: {code}',
  'env.insecure': 'This page is not secure (https), so the camera cannot be used.',
};

export type TranslationKey = keyof typeof en;
export type Translation = Record<TranslationKey, string>;
