/** Vigil's endpoints Twilio calls (status callbacks, inbound SMS, keypresses), relative to the public URL. */
export const TWILIO_PATHS = {
  smsStatus: '/api/notifications/twilio/sms-status',
  callStatus: '/api/notifications/twilio/call-status',
  smsInbound: '/api/notifications/twilio/sms-inbound',
  voiceGather: '/api/notifications/twilio/voice-gather',
} as const;
